import type { Logger as TemporalLogger, LogLevel as TemporalLogLevel, LogMetadata } from '@temporalio/common';
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
    { level, base: { pid: process.pid, ...fields }, timestamp: pino.stdTimeFunctions.isoTime },
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
