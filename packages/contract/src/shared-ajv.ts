import { createContractAjv } from './contract-ajv.js';

/** The process's one Ajv instance: every validator of this package is compiled on it. */
export const sharedAjv = createContractAjv();
