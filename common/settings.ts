import path from 'node:path';
import { z } from 'zod';
import { parseEnv, type Env } from './env';
import { temporalSettings, type TemporalSettings } from './temporal';

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Settings the client and the worker share, by environment variable. */
export const sharedEnvSchema = z.object({
  WFM_PUSH_TASK_QUEUE: z
    .string()
    .min(1)
    .default('wfm-push')
    .describe('task queue of the workflows; the WFM calls run on <queue>-http'),
  WFM_PUSH_DATA_DIR: z
    .string()
    .min(1)
    .default('.data')
    .describe('plan and result store (relative to the working directory); client and workers must share it'),
  WFM_PUSH_LOG_LEVEL: z
    .enum(LOG_LEVELS)
    .default('info')
    .describe(`log level: ${LOG_LEVELS.join(', ')}`),
});

export interface SharedSettings {
  temporal: TemporalSettings;
  /** Task queue of the workflows; HTTP activities use `httpTaskQueueFor(taskQueue)`. */
  taskQueue: string;
  /** Absolute path of the local plan and result store. */
  dataDir: string;
  logLevel: LogLevel;
}

/** Reads the shared settings once, at start-up; a bad value throws a SettingsError naming the variable. */
export function loadSharedSettings(env: Env): SharedSettings {
  return sharedSettingsFrom(parseEnv(sharedEnvSchema, env), env);
}

export function sharedSettingsFrom(parsed: z.infer<typeof sharedEnvSchema>, env: Env): SharedSettings {
  return {
    temporal: temporalSettings(env),
    taskQueue: parsed.WFM_PUSH_TASK_QUEUE,
    dataDir: path.resolve(parsed.WFM_PUSH_DATA_DIR),
    logLevel: parsed.WFM_PUSH_LOG_LEVEL,
  };
}
