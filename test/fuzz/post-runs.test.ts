import fc from 'fast-check';
import { servedOpenApiJson } from '@runq/contract';
import { OTHER_UUID, SAMPLE_UUID } from '@runq/contract/testing';
import { startTestApi, type TestApi } from '../support/harness.js';
import { fromSchema, hostileJson, hostileString, mutatedRunBody } from './support/arbitraries.js';
import { answerProblem, headerParts, isSendableHeaderValue, stringsOf } from './support/check-answer.js';
import { fuzzParameters, fuzzTimeoutMs } from './support/fuzz-settings.js';

/** The served description (the contract's `POST /runs` included): the schemas bodies are drawn from. */
const DOCUMENT = JSON.parse(servedOpenApiJson()) as Record<string, any>;
const CREATE_RUN_SCHEMA = DOCUMENT['paths']['/runs']['post']['requestBody']['content']['application/json']['schema'];

/** Owners the caller may use (a project and a conversation it sees), or whatever was drawn. */
const ownerOf = fc.constantFrom({ kind: 'project', id: SAMPLE_UUID }, { kind: 'conversation', id: SAMPLE_UUID }, { kind: 'project', id: OTHER_UUID });

/** A body drawn from the contract's schema, its owner often replaced by one the caller has. */
const schemaBody = fc
  .tuple(fromSchema(CREATE_RUN_SCHEMA, DOCUMENT), fc.option(ownerOf, { nil: undefined }))
  .map(([body, owner]) => (owner && typeof body === 'object' && body !== null && !Array.isArray(body) ? { ...body, owner } : body));

const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'APPLICATION/JSON; Charset=UTF-8',
  'application/problem+json',
  'application/json; charset=latin1',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/json;;;',
  '',
];

describe('fuzzing POST /runs', () => {
  let api: TestApi;
  let key: string;

  beforeAll(async () => {
    api = await startTestApi();
    key = await api.createKey([SAMPLE_UUID, OTHER_UUID.toLowerCase()]);
    // The contract's sample bodies own their runs through conversation SAMPLE_UUID.
    await api.db.insertInto('conversations').values({ id: SAMPLE_UUID, project_id: SAMPLE_UUID, created_by: 'fuzz' }).execute();
  });
  afterAll(async () => {
    await api?.close();
  });

  const parameters = fuzzParameters(1_500);
  it(
    `when ${parameters.numRuns} bodies drawn from the contract, mutated from valid ones or made of any JSON are posted, then none gets a 5xx and every refusal is a problem document`,
    async () => {
      const statuses = new Map<number, number>();
      const body = fc.oneof({ weight: 4, arbitrary: mutatedRunBody }, { weight: 4, arbitrary: schemaBody }, { weight: 1, arbitrary: hostileJson });
      const contentType = fc.oneof(
        { weight: 12, arbitrary: fc.constant('application/json') },
        { weight: 2, arbitrary: fc.constantFrom(...CONTENT_TYPES) },
        { weight: 1, arbitrary: hostileString },
      );
      await fc.assert(
        fc.asyncProperty(body, contentType, async (value, type) => {
          const headers: Record<string, string> = { authorization: `Bearer ${key}` };
          // fetch refuses header values it could not send (control characters, edge whitespace);
          // such bytes are the raw-socket suite's part.
          if (isSendableHeaderValue(type)) headers['content-type'] = type;
          const text = JSON.stringify(value) ?? '';
          const response = await fetch(`${api.url}/runs`, { method: 'POST', headers, body: text });
          const answer = { status: response.status, headers: response.headers, text: await response.text() };
          statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
          const problem = answerProblem(answer, `POST /runs ${headers['content-type'] ?? '(no type)'} ${text.slice(0, 200)}`, [
            type,
            ...headerParts(type),
            ...stringsOf(value),
          ]);
          if (problem) throw new Error(problem);
        }),
        parameters,
      );
      process.stdout.write(
        `fuzz ${JSON.stringify({ suite: 'POST /runs', cases: parameters.numRuns, seed: parameters.seed, statuses: Object.fromEntries([...statuses].sort(([a], [b]) => a - b)) })}\n`,
      );
      // Not vacuous: bodies got through to the store, and refusals of several kinds were checked.
      expect(statuses.get(202) ?? 0).toBeGreaterThan(parameters.numRuns! / 50);
      expect(statuses.get(400) ?? 0).toBeGreaterThan(parameters.numRuns! / 10);
      expect(statuses.get(415) ?? 0).toBeGreaterThan(0);
    },
    fuzzTimeoutMs(parameters),
  );
});
