import { createContractAjv } from './contract-ajv.js';

/**
 * The process's reporting Ajv instance (`allErrors`, `verbose`): every validator that explains
 * a refused body is compiled on it (`compileSchemaValidator` adds a deciding one for hot paths).
 */
export const sharedAjv = createContractAjv();
