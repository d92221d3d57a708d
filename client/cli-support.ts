import { InvalidArgumentError } from 'commander';
import { SettingsError } from '../config/env';

/** Exit codes every command keeps to. */
export const ExitCode = { ok: 0, failed: 1, invalidInput: 2 } as const;

/** Thrown by a command to end with a message and an exit code (instead of calling process.exit mid-flight). */
export class CliExit extends Error {
  constructor(
    readonly code: number,
    message = '',
  ) {
    super(message);
  }
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Ends the process the way a script expects: settings and input problems exit 2, the rest 1. */
export function exitOn(err: unknown): never {
  if (err instanceof CliExit) {
    if (err.message) process.stderr.write(`${err.message}\n`);
    process.exit(err.code);
  }
  if (err instanceof SettingsError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(ExitCode.invalidInput);
  }
  process.stderr.write(`wfm-push: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(ExitCode.failed);
}

/** Option parsers that name the option in their error. */
export const parse = {
  int: (min: number, max: number) => (value: string) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max)
      throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}`);
    return n;
  },
  share: (value: string) => {
    const n = Number(value);
    if (!Number.isFinite(n) || n < 0 || n > 1)
      throw new InvalidArgumentError('expected a share from 0 to 1, e.g. 0.15');
    return n;
  },
};

/** Stops on SIGINT/SIGTERM by calling `stop` once; a second signal exits at once. */
export function onShutdownSignal(stop: () => Promise<void>): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(130);
    stopping = true;
    process.stderr.write(`\n${signal}: shutting down...\n`);
    stop().then(
      () => process.exit(0),
      (err: unknown) => exitOn(err),
    );
  };
  process.once('SIGINT', handler);
  process.once('SIGTERM', handler);
}
