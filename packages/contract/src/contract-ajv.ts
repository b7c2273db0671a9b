import { Ajv2020 } from 'ajv/dist/2020.js';
import formatsPlugin from 'ajv-formats';
import { UUID_PATTERN } from '@runq/runs';

/**
 * OpenAPI annotation keywords that JSON Schema 2020-12 does not define. Declared to Ajv as
 * annotations (no validation) so that strict mode still refuses every other unknown keyword:
 * a typo such as `maxLenght` or an unsupported `discriminator` fails at start-up instead of
 * being silently ignored. (`title`, `description`, `default`, `deprecated`, `readOnly`,
 * `writeOnly` and `examples` are already 2020-12 annotations.)
 */
export const OPENAPI_ANNOTATION_KEYWORDS = ['example', 'externalDocs', 'xml'] as const;

/** What an Ajv instance of {@link createContractAjv} is for. */
export type ContractAjvRole = 'report' | 'decide';

/**
 * Builds an Ajv instance for the contract's schemas. Options, and why:
 * - `Ajv2020`: the document declares OpenAPI 3.1, i.e. JSON Schema 2020-12; the 3.0 idioms it
 *   also uses are rewritten by `toJsonSchema` before compiling.
 * - `strict: true`: every strict check is an error (unknown keywords and formats, union types
 *   without `allowUnionTypes`, `required` naming undeclared properties, ignored keywords).
 * - `allowUnionTypes`: `nullable` becomes `type: [T, 'null']`, the one union we produce.
 * - no `useDefaults`, `coerceTypes` or `removeAdditional`: validating never changes the body.
 *
 * A `report` instance (the default) also has:
 * - `allErrors`: a client fixes a body in one round trip; the noise this adds inside
 *   `anyOf`/`oneOf` is trimmed by `selectBranchErrors`.
 * - `verbose`: errors carry the offending `data` and the keyword's `schema`, which choosing
 *   an `anyOf`/`oneOf` branch needs.
 *
 * A `decide` instance has neither: it stops at the first error and only says whether a body is
 * valid, which both options leave unchanged, at a quarter of the cost; valid bodies are nearly
 * all of the API's traffic (docs/decisions/0004-validation-decides-then-reports.md).
 */
export function createContractAjv(role: ContractAjvRole = 'report'): Ajv2020 {
  const report = role === 'report';
  const ajv = new Ajv2020({
    strict: true,
    allowUnionTypes: true,
    allErrors: report,
    verbose: report,
  });
  // ajv-formats is CommonJS: under Node's ESM loader its default import is `module.exports`,
  // whose `default` property is the plugin itself; TypeScript only types the latter.
  formatsPlugin.default(ajv);
  // The contract's `format: uuid` is the bare 36-character form: ajv-formats' `uuid` also takes a
  // `urn:uuid:` prefix, which no id of the contract (a plain UUID column in Postgres) has.
  ajv.addFormat('uuid', UUID_PATTERN);
  ajv.addVocabulary([...OPENAPI_ANNOTATION_KEYWORDS]);
  return ajv;
}
