import { createContractAjv } from './contract-ajv.js';

/**
 * The process's reporting Ajv instance (`allErrors`, `verbose`): every validator that explains
 * a refused body is compiled on it. `validators.ts` adds one deciding instance for `POST /runs`.
 */
export const sharedAjv = createContractAjv();
