import { execFile } from 'node:child_process';
import path from 'node:path';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** The real binary, as a user runs it. */
export const CLI_BIN = path.resolve(__dirname, '../../bin/wfm-push.js');

/**
 * Runs the real `wfm-push` binary in its own process, as a scheduler would; `env` adds to this process's environment
 * (a variable set to undefined is removed), `cwd` is its working directory (default: this one).
 */
export function runCli(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  timeoutMs = 120_000,
  cwd?: string,
): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI_BIN, ...args],
      { env: { ...process.env, ...env }, timeout: timeoutMs, cwd },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
