import type { Logger as TemporalLogger, LogLevel as TemporalLogLevel, LogMetadata } from '@temporalio/common';
import pino from 'pino';

import type { LogLevel } from './settings';

/** Structured log lines (JSON, one per line, on stderr): for log systems and people debugging, not for the report. */
export type Logger = pino.Logger;

/**
 * The one logger of a process. Client and worker use it; in the worker it is also Temporal's runtime logger, so the
 * SDK's lines and workflow and activity `log` calls come out the same way, with their fields.
 */
export function createLogger(
  level: LogLevel,
  fields: Record<string, unknown> = {},
  /** Where the lines go. Default stderr, synchronously: a killed worker still gets its last line out. */
  destination: pino.DestinationStream = pino.destination({ fd: 2, sync: true }),
): Logger {
  return pino(
    { level, base: { pid: process.pid, ...fields }, timestamp: pino.stdTimeFunctions.isoTime },
    destination,
  );
}

const levelOf: Record<TemporalLogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/** Adapts the logger to Temporal's `Logger` interface (`Runtime.install({ logger })`). */
export function asTemporalLogger(logger: Logger): TemporalLogger {
  const write = (level: TemporalLogLevel, message: string, meta?: LogMetadata) =>
    logger[levelOf[level]]({ ...meta }, message);
  return {
    log: write,
    trace: (message, meta) => write('TRACE', message, meta),
    debug: (message, meta) => write('DEBUG', message, meta),
    info: (message, meta) => write('INFO', message, meta),
    warn: (message, meta) => write('WARN', message, meta),
    error: (message, meta) => write('ERROR', message, meta),
  };
}
