import { servedOpenApiJson } from '@runq/contract';

/** The API description served at `/openapi.json` (JSON text, built once). */
export function servedOpenApiDocument(): string {
  return servedOpenApiJson();
}
