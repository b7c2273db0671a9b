import { loadContractDocument } from '@runq/contract';

/** The API description served at `/openapi.json`. */
export function servedOpenApiDocument(): unknown {
  return loadContractDocument();
}
