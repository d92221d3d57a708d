import {
  TemporalFailure,
  type Logger as TemporalLogger,
  type LogLevel as TemporalLogLevel,
  type LogMetadata,
} from '@temporalio/common';
import pino from 'pino';

import type { LogLevel } from './settings';

/**
 * The one logger of a process, with Temporal's argument order (`info(message, fields)`), the order workflow and
 * activity `log` calls use too. Structured lines (JSON, one per line, on stderr): for log systems and people
 * debugging, not for the report. In the worker it is also Temporal's runtime logger (`Runtime.install({ logger })`),
 * so the SDK's lines and workflow and activity `log` calls come out the same way, with their fields.
 */
export type Logger = TemporalLogger;

const levelOf: Record<TemporalLogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

export function createLogger(
  level: LogLevel,
  fields: Record<string, unknown> = {},
  /** Where the lines go. Default stderr, synchronously: a killed worker still gets its last line out. */
  destination: pino.DestinationStream = pino.destination({ fd: 2, sync: true }),
): Logger {
  const lines = pino(
    {
      level,
      base: { pid: process.pid, ...fields },
      timestamp: pino.stdTimeFunctions.isoTime,
      // The SDK logs a failed activity or workflow task with its error under `error`; JSON of an Error has no message.
      serializers: { error: errorFields, err: errorFields },
    },
    destination,
  );
  // pino takes the fields first; this is the only place that knows.
  const log = (logLevel: TemporalLogLevel, message: string, meta?: LogMetadata) =>
    lines[levelOf[logLevel]]({ ...meta }, message);
  return {
    log,
    trace: (message, meta) => log('TRACE', message, meta),
    debug: (message, meta) => log('DEBUG', message, meta),
    info: (message, meta) => log('INFO', message, meta),
    warn: (message, meta) => log('WARN', message, meta),
    error: (message, meta) => log('ERROR', message, meta),
  };
}

/**
 * An error as a log line shows it: name, Temporal failure type, message and cause chain. The stack only for errors that
 * are not Temporal failures (a bug's stack says where; a classified WFM failure's message says what).
 */
export function errorFields(err: unknown, depth = 0): unknown {
  if (err === null || typeof err !== 'object' || !('message' in err)) return err;
  const e = err as Error & { type?: unknown; nonRetryable?: unknown; failure?: unknown };
  const temporalFailure = err instanceof TemporalFailure;
  return {
    name: e.name,
    ...(typeof e.type === 'string' ? { type: e.type } : {}),
    message: e.message,
    ...(e.nonRetryable === true ? { nonRetryable: true } : {}),
    ...(temporalFailure || typeof e.stack !== 'string' ? {} : { stack: e.stack }),
    ...(e.cause !== undefined && depth < 5 ? { cause: errorFields(e.cause, depth + 1) } : {}),
  };
}
