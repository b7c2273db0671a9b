#!/usr/bin/env node
// Regenerates packages/client/src/generated/api.ts from the served API description
// (`npm run generate:client`). The test suite fails when the committed file drifts.
import { writeFile } from 'node:fs/promises';
import { generateClientTypes } from '../packages/client/scripts/generate-types.js';

await writeFile(new URL('../packages/client/src/generated/api.ts', import.meta.url), await generateClientTypes());
process.stdout.write('wrote packages/client/src/generated/api.ts\n');
