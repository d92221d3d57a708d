#!/usr/bin/env node
// Runs the compiled CLI (`npm run build` writes dist/); no TypeScript is transpiled at start.
const path = require('node:path');
const { existsSync } = require('node:fs');

const main = path.join(__dirname, '..', 'dist', 'cli', 'main.js');
if (!existsSync(main)) {
  console.error(`wfm-push: ${main} is missing; run \`npm run build\` in ${path.resolve(__dirname, '..')}`);
  process.exit(2);
}
require(main);
