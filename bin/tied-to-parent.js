#!/usr/bin/env node
// Usage: node tied-to-parent.js COMMAND [ARGS...]
//
// Runs COMMAND and ends it when the process that started this one ends, however that ends, SIGKILL included: the
// parent holds the write end of this process's stdin, and the kernel closes it when the parent dies, so stdin ends.
// (Linux's prctl(PR_SET_PDEATHSIG) would do it for one process, but Node cannot set it, and a pipe works everywhere.)
// The foreground `wfm-push dev-server` starts its Temporal server through this, so the server never outlives it.
'use strict';
const { spawn } = require('node:child_process');
const { constants } = require('node:os');

/** How long COMMAND may take to stop after SIGTERM before it is killed. */
const GRACE_MS = 10_000;

const [command, ...args] = process.argv.slice(2);
if (!command) {
  process.stderr.write('usage: tied-to-parent.js COMMAND [ARGS...]\n');
  process.exit(2);
}

const child = spawn(command, args, { stdio: ['ignore', 'inherit', 'inherit'] });
let ending = false;
function end(reason) {
  if (ending) return;
  ending = true;
  process.stderr.write(`tied-to-parent: ${reason}; stopping ${command}\n`);
  child.kill('SIGTERM');
  setTimeout(() => child.kill('SIGKILL'), GRACE_MS).unref();
}

process.stdin.on('end', () => end('the parent process has ended'));
process.stdin.on('error', () => end('the parent process has ended'));
process.stdin.resume();
// A signal to this process (or its group) stops COMMAND first; this process ends when COMMAND has.
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(signal, () => end(signal));

child.on('error', (err) => {
  process.stderr.write(`tied-to-parent: could not run ${command}: ${err.message}\n`);
  process.exit(127);
});
child.on('exit', (code, signal) => process.exit(code ?? 128 + (constants.signals[signal] ?? 0)));
