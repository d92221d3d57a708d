import { SettingsError } from '../common/env';

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

/**
 * What the CLI tells a person: progress and outcomes on stderr, so that stdout carries only what a script reads
 * (a report, `--json`). Diagnostics go to the logger instead.
 */
export function say(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** Output a script reads: the report, the `--json` document. */
export function print(text: string): void {
  process.stdout.write(`${text}\n`);
}

export function printJson(value: unknown): void {
  print(JSON.stringify(value, null, 2));
}

/** Ends the process the way a script expects: settings and input problems exit 2, the rest 1. */
export function exitOn(err: unknown): void {
  if (err instanceof CliExit) {
    if (err.message) say(err.message);
    return exitAfterOutput(err.code);
  }
  if (err instanceof SettingsError) {
    say(err.message);
    return exitAfterOutput(ExitCode.invalidInput);
  }
  // The message is for the operator; the stack only when asked for (WFM_PUSH_LOG_LEVEL=debug).
  const debug = process.env.WFM_PUSH_LOG_LEVEL === 'debug';
  say(`wfm-push: ${err instanceof Error ? ((debug ? err.stack : undefined) ?? err.message) : String(err)}`);
  exitAfterOutput(ExitCode.failed);
}

/**
 * Exits once everything written to stdout has been handed to the OS: a `--json` report piped into another program
 * must arrive whole, not cut at the pipe's buffer.
 */
export function exitAfterOutput(code: number): void {
  process.exitCode = code;
  process.stdout.write('', () => process.exit(code));
}

/** Stops on SIGINT/SIGTERM by calling `stop` once; a second signal exits at once. */
export function onShutdownSignal(stop: () => Promise<void>): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(130);
    stopping = true;
    say(`\n${signal}: shutting down...`);
    stop().then(
      () => exitAfterOutput(0),
      (err: unknown) => exitOn(err),
    );
  };
  process.once('SIGINT', handler);
  process.once('SIGTERM', handler);
}
