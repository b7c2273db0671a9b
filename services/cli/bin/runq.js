#!/usr/bin/env node
// The `runq` command. The code lives in dist/ (built by `npm ci` through the root `prepare` script).
import { main } from '../dist/main.js';

process.exitCode = await main(process.argv.slice(2), process.env);
