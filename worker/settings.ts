import { envInt, parseEnv, type Env } from '../common/env';
import { sharedEnvSchema, sharedSettingsFrom, type SharedSettings } from '../common/settings';
import { wfmEnvSchema, wfmSettingsFrom, type WfmSettings } from '../wfm/settings';

/** Every variable the worker reads; `wfm-push worker --help` lists them from here. */
export const workerEnvSchema = sharedEnvSchema.extend(wfmEnvSchema.shape).extend({
  WFM_MAX_CONCURRENT_REQUESTS: envInt(1, 1000)
    .default(20)
    .describe('WFM calls in flight at once, per worker process'),
  WFM_MAX_AGENTS_PER_WRITE: envInt(1, 100_000)
    .default(500)
    .describe('most agents one write carries; bigger schedules are written in chunks'),
});

export interface WorkerSettings extends SharedSettings {
  wfm: WfmSettings;
  maxConcurrentRequests: number;
  maxAgentsPerWrite: number;
}

/** Reads the worker's settings once, at start-up; a bad value throws a SettingsError naming the variable. */
export function loadWorkerSettings(env: Env): WorkerSettings {
  const parsed = parseEnv(workerEnvSchema, env);
  return {
    ...sharedSettingsFrom(parsed, env),
    wfm: wfmSettingsFrom(parsed, parsed.WFM_API_STYLE),
    maxConcurrentRequests: parsed.WFM_MAX_CONCURRENT_REQUESTS,
    maxAgentsPerWrite: parsed.WFM_MAX_AGENTS_PER_WRITE,
  };
}
