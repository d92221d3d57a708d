import { z } from 'zod';
import { envInt, parseEnv, sharedSettingsSchema } from '../config/env';

export const workerSettingsSchema = sharedSettingsSchema.extend({
  /** Base URL of the WFM's REST API. Default: the embedded simulator. */
  WFM_BASE_URL: z
    .url({ protocol: /^https?$/, message: 'must be an http(s) URL' })
    .default('http://127.0.0.1:4010'),
  /** Bearer token for the WFM. Default: the simulator's token. */
  WFM_TOKEN: z.string().min(1).default('dev-token'),
  /** Where a write carries its base version. */
  WFM_VERSION_IN: z.enum(['body', 'if-match', 'both']).default('both'),
  /** Per WFM request, in ms. */
  WFM_REQUEST_TIMEOUT_MS: envInt(100, 600_000).default(15_000),
  /** WFM requests in flight at once, per worker process. */
  WFM_MAX_CONCURRENT_REQUESTS: envInt(1, 1000).default(20),
  /**
   * WFM requests per second: each worker paces its requests to it, and the HTTP task queue admits syncs (two
   * requests each: read and write) at half of it across every worker. Unset = no limit.
   */
  WFM_RATE_LIMIT_PER_SECOND: z.coerce.number().positive().optional(),
  /** Most agents one write carries; bigger schedules are written in chunks. */
  WFM_MAX_AGENTS_PER_WRITE: envInt(1, 100_000).default(500),
});
export type WorkerSettings = z.infer<typeof workerSettingsSchema>;

/** Reads the worker's settings once, at start-up; a bad value throws a SettingsError naming the variable. */
export function loadWorkerSettings(env: NodeJS.ProcessEnv = process.env): WorkerSettings {
  return parseEnv(workerSettingsSchema, env);
}
