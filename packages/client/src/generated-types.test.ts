import { readFile } from 'node:fs/promises';
import { generateClientTypes } from '../scripts/generate-types.js';

describe('generated client types', () => {
  it('when the types are generated from the served API description, then they equal the committed file', async () => {
    const committed = await readFile(new URL('./generated/api.ts', import.meta.url), 'utf8');
    // On failure: run `npm run generate:client` and commit the result.
    expect(await generateClientTypes()).toBe(committed);
  });
});
