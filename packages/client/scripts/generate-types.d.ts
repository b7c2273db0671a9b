/** The text of packages/client/src/generated/api.ts, generated from the served API description. */
export function generateClientTypes(): Promise<string>;
