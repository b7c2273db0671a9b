// Types of the runq API, generated with openapi-typescript from the description the API serves
// at /openapi.json (the POST /runs contract plus runq's own routes). Shared by the generation
// script and the drift test, so both produce the same text.
import openapiTS, { astToString } from 'openapi-typescript';
import { servedOpenApiJson } from '@runq/contract';

const HEADER = `/**
 * Types of the runq API, generated from its served OpenAPI description by openapi-typescript.
 * Do not edit: run \`npm run generate:client\`.
 */

`;

/** The text of packages/client/src/generated/api.ts. */
export async function generateClientTypes() {
  const ast = await openapiTS(JSON.parse(servedOpenApiJson()), { alphabetize: true });
  return HEADER + astToString(ast);
}
