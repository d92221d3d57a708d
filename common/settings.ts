import path from 'node:path';
import { z } from 'zod';
import type { ApiStyle } from '../model/plan';
import { envInt, parseEnv, SettingsError, type Env } from './env';
import { parseStoreUrl, storeEnvShape, type StoreSettings } from './store-settings';
import { temporalSettings, type TemporalSettings } from './temporal';
import { tracingEnvShape, tracingSettingsFrom, type TracingSettings } from './tracing-settings';

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
    .describe(
      'local data folder (relative to the working directory): the store when WFM_PUSH_STORE is unset, and a generated payload key',
    ),
  ...storeEnvShape,
  WFM_PUSH_LOG_LEVEL: z
    .enum(LOG_LEVELS)
    .default('info')
    .describe(`log level: ${LOG_LEVELS.join(', ')}`),
  WFM_PUSH_MAX_PLAN_BYTES: envInt(1024, 2 ** 32)
    .default(100 * 2 ** 20)
    .describe('the largest plan file accepted, in bytes (a bigger plan is refused before it is read)'),
  WFM_PUSH_MAX_SCHEDULES: envInt(1, 10_000_000)
    .default(100_000)
    .describe('the most schedules one plan may hold'),
  WFM_API_STYLE: z
    .enum(['rest', 'genesys'])
    .default('rest')
    .describe(
      'the WFM API: rest (the REST contract) or genesys (Genesys Cloud: plans name business unit and week)',
    ),
  WFM_PUSH_ENCRYPTION: z
    .enum(['on', 'off'])
    .default('on')
    .describe(
      'encrypt every payload Temporal stores (AES-256-GCM); off only for a Temporal service trusted with plans',
    ),
  WFM_PUSH_CODEC_KEYS: z
    .string()
    .min(1)
    .optional()
    .describe(
      '<keyId>=<base64 of 32 bytes>[,...]: the first encrypts, all decrypt (default: a key generated into the data folder; required with a PostgreSQL store, the same on every host)',
    ),
  WFM_PUSH_CODEC_KEY_FILE: z.string().min(1).optional().describe('a file holding the keys in the same form'),
  WFM_TENANTS_FILE: z
    .string()
    .min(1)
    .optional()
    .describe(
      'a JSON file mapping tenant IDs to their WFM (docs/tenants.md); plans naming a tenant go to its WFM, others to the WFM of these settings. Secrets only by reference. Clients read only the IDs and API styles',
    ),
  WFM_PUSH_PLAN_CACHE_BYTES: envInt(0, 2 ** 34)
    .default(128 * 2 ** 20)
    .describe('plan JSON a worker keeps parsed in memory, in bytes (least recently used goes first)'),
  ...tracingEnvShape,
});

/** Bounds on what a plan may be, so one file cannot exhaust a client's or worker's memory. */
export interface PlanLimits {
  maxPlanBytes: number;
  maxSchedules: number;
}

export interface SharedSettings {
  temporal: TemporalSettings;
  /** Task queue of the workflows; HTTP activities use `httpTaskQueueFor(taskQueue)`. */
  taskQueue: string;
  /**
   * Absolute path of the local data folder: a generated payload key, demo files, and the store unless WFM_PUSH_STORE
   * names another.
   */
  dataDir: string;
  /** Where plans and results live (`createStores`). */
  store: StoreSettings;
  logLevel: LogLevel;
  planLimits: PlanLimits;
  planCacheBytes: number;
  apiStyle: ApiStyle;
  /** WFM_TENANTS_FILE: where tenants are named (docs/tenants.md); undefined: no tenants, one WFM. */
  tenantsFile: string | undefined;
  encryption: 'on' | 'off';
  codecKeys: string | undefined;
  codecKeyFile: string | undefined;
  /** Where spans go (docs/observe.md); undefined: tracing off, no interceptors. */
  tracing: TracingSettings | undefined;
}

/** Reads the shared settings once, at start-up; a bad value throws a SettingsError naming the variable. */
export function loadSharedSettings(env: Env): SharedSettings {
  return sharedSettingsFrom(parseEnv(sharedEnvSchema, env), env);
}

export function sharedSettingsFrom(parsed: z.infer<typeof sharedEnvSchema>, env: Env): SharedSettings {
  const { store, dataDir } = storeAndDataDir(parsed, env);
  return {
    temporal: temporalSettings(env),
    taskQueue: parsed.WFM_PUSH_TASK_QUEUE,
    dataDir,
    store,
    logLevel: parsed.WFM_PUSH_LOG_LEVEL,
    planLimits: { maxPlanBytes: parsed.WFM_PUSH_MAX_PLAN_BYTES, maxSchedules: parsed.WFM_PUSH_MAX_SCHEDULES },
    planCacheBytes: parsed.WFM_PUSH_PLAN_CACHE_BYTES,
    apiStyle: parsed.WFM_API_STYLE,
    tenantsFile: parsed.WFM_TENANTS_FILE === undefined ? undefined : path.resolve(parsed.WFM_TENANTS_FILE),
    encryption: parsed.WFM_PUSH_ENCRYPTION,
    codecKeys: parsed.WFM_PUSH_CODEC_KEYS,
    codecKeyFile: parsed.WFM_PUSH_CODEC_KEY_FILE,
    tracing: tracingSettingsFrom(parsed),
  };
}

/**
 * The store: WFM_PUSH_STORE when set, else the folder WFM_PUSH_DATA_DIR (default `.data`), so a setup that only names a
 * data folder keeps working. The local data folder: WFM_PUSH_DATA_DIR when set, else the WFM_PUSH_STORE folder when
 * that is a folder (one place for everything on one machine), else `.data`.
 */
function storeAndDataDir(
  parsed: z.infer<typeof sharedEnvSchema>,
  env: Env,
): { store: StoreSettings; dataDir: string } {
  const dataDirSet = env.WFM_PUSH_DATA_DIR !== undefined && env.WFM_PUSH_DATA_DIR !== '';
  const dataDir = path.resolve(parsed.WFM_PUSH_DATA_DIR);
  if (parsed.WFM_PUSH_STORE === undefined) return { store: { kind: 'file', folder: dataDir }, dataDir };
  const chosen = parseStoreUrl(parsed.WFM_PUSH_STORE, parsed.WFM_PUSH_STORE_POOL_MAX);
  // The schema refused a bad value already, naming the variable; this is for a caller that skipped it.
  if ('problem' in chosen) throw new SettingsError([`WFM_PUSH_STORE: ${chosen.problem}`]);
  const { store } = chosen;
  return { store, dataDir: store.kind === 'file' && !dataDirSet ? store.folder : dataDir };
}
