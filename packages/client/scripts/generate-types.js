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
  // openapi-typescript renders a $ref into an operation's media type as
  // `…["content"]["application/json"]["schema"]…`, but the media type's generated type is the
  // schema itself (no `schema` key). runq's `Run` schema is such a $ref (it points at the
  // envelope inside the POST /runs contract, defined only there), so drop the extra step.
  return HEADER + astToString(ast).replaceAll('["content"]["application/json"]["schema"]', '["content"]["application/json"]');
}
