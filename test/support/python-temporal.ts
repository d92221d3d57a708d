import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The Python SDK the contract's example (docs/examples/start_push.py) is tested with, from PyPI. */
const PACKAGES = ['temporalio==1.35.0', 'cryptography==50.0.2'];

/**
 * A Python with the Temporal SDK, in a venv under `.tools/` made on first use (as the pinned Temporal CLI is): the
 * contract is tested from a real foreign client, not only described.
 */
export async function ensurePythonTemporal(): Promise<string> {
  // A Python that already has these packages (a venv made elsewhere), when the `.tools/` folder is not to be written.
  if (process.env.WFM_PUSH_TEST_PYTHON) return process.env.WFM_PUSH_TEST_PYTHON;
  const dir = path.resolve(__dirname, '../../.tools', `python-${PACKAGES.join('-').replace(/[=]/g, '')}`);
  const python = path.join(dir, 'bin', 'python');
  if (existsSync(path.join(dir, '.installed'))) return python;
  await run('python3', ['-m', 'venv', dir]);
  await run(path.join(dir, 'bin', 'pip'), ['install', '--quiet', '--disable-pip-version-check', ...PACKAGES]);
  await run(python, ['-c', `open(${JSON.stringify(path.join(dir, '.installed'))}, 'w').close()`]);
  return python;
}

export interface PythonRun {
  /** The exit code; -1 when the process did not exit by itself (see `signal`). */
  code: number;
  signal?: string;
  /** Why it could not run at all (a spawn error such as ENOENT or EAGAIN). */
  error?: string;
  stdout: string;
  stderr: string;
}

export function runPython(python: string, args: string[], env: NodeJS.ProcessEnv): Promise<PythonRun> {
  return new Promise((resolve) => {
    execFile(python, args, { env: { ...process.env, ...env }, timeout: 120_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      const error = typeof err?.code === 'string' ? err.code : undefined;
      resolve({ code, signal: err?.signal ?? undefined, error, stdout, stderr });
    });
  });
}
