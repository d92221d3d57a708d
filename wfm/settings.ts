import { z } from 'zod';
import { envInt, type Env, parseEnv } from '../common/env';

/** How the worker reaches the WFM, by environment variable. */
export const wfmEnvSchema = z.object({
  WFM_BASE_URL: z
    .url({ protocol: /^https?$/, message: 'must be an http(s) URL' })
    .default('http://127.0.0.1:4010')
    .describe('base URL of the WFM API (default: the embedded simulator)'),
  WFM_TOKEN: z.string().min(1).default('dev-token').describe("bearer token (default: the simulator's)"),
  WFM_VERSION_IN: z
    .enum(['body', 'if-match', 'both'])
    .default('both')
    .describe('where a write carries the version it is based on: body, if-match or both'),
  WFM_REQUEST_TIMEOUT_MS: envInt(100, 600_000).default(15_000).describe('per WFM request, in ms'),
  WFM_RATE_LIMIT_PER_SECOND: z.coerce
    .number()
    .positive()
    .optional()
    .describe(
      'WFM requests per second across all workers: each worker paces to it and the HTTP task queue admits syncs at half of it (unset = no limit)',
    ),
});

export interface WfmSettings {
  baseUrl: string;
  token: string;
  versionIn: 'body' | 'if-match' | 'both';
  requestTimeoutMs: number;
  /** Undefined: no limit configured. */
  rateLimitPerSecond: number | undefined;
}

export function wfmSettingsFrom(parsed: z.infer<typeof wfmEnvSchema>): WfmSettings {
  return {
    baseUrl: parsed.WFM_BASE_URL,
    token: parsed.WFM_TOKEN,
    versionIn: parsed.WFM_VERSION_IN,
    requestTimeoutMs: parsed.WFM_REQUEST_TIMEOUT_MS,
    rateLimitPerSecond: parsed.WFM_RATE_LIMIT_PER_SECOND,
  };
}

export function loadWfmSettings(env: Env): WfmSettings {
  return wfmSettingsFrom(parseEnv(wfmEnvSchema, env));
}
