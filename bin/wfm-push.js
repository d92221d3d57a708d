#!/usr/bin/env node
// Runs the TypeScript sources directly (tsx), so there is no build step to remember.
require('tsx/cjs');
require('../client/cli.ts');
