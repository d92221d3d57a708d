import { z } from 'zod';
import { envDurationMs, envInt, type Env, parseEnv } from '../common/env';

/**
 * The longest rate-limit deadline: the sync activity's start-to-close timeout (24 h, in workflows/schedule-push.ts)
 * must outlast it.
 */
export const MAX_RATE_LIMIT_DEADLINE_MS = 23 * 3_600_000;

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
      'a ceiling on WFM requests per second across all workers (unset: none; each worker finds the rate the WFM sustains by itself)',
    ),
  WFM_RATE_LIMIT_DEADLINE: envDurationMs(1000, MAX_RATE_LIMIT_DEADLINE_MS)
    .prefault('6h')
    .describe(
      'how long one request may be refused with 429 before its schedule fails (e.g. 90m, 6h; at most 23h)',
    ),
  WFM_MAX_RETRY_AFTER: envDurationMs(1000, 24 * 3_600_000)
    .prefault('10m')
    .describe(
      'a longer Retry-After is cut to this (and logged), so one bad header cannot stall a worker for a day',
    ),
});

export interface WfmSettings {
  baseUrl: string;
  token: string;
  versionIn: 'body' | 'if-match' | 'both';
  requestTimeoutMs: number;
  /** A ceiling on the request rate; undefined: none (the adaptive rate control finds the WFM's limit). */
  rateLimitPerSecond: number | undefined;
  /** How long one request may keep being refused with 429 before its schedule fails. */
  rateLimitDeadlineMs: number;
  /** Longest pause a Retry-After can impose on the worker. */
  maxRetryAfterMs: number;
}

export function wfmSettingsFrom(parsed: z.infer<typeof wfmEnvSchema>): WfmSettings {
  return {
    baseUrl: parsed.WFM_BASE_URL,
    token: parsed.WFM_TOKEN,
    versionIn: parsed.WFM_VERSION_IN,
    requestTimeoutMs: parsed.WFM_REQUEST_TIMEOUT_MS,
    rateLimitPerSecond: parsed.WFM_RATE_LIMIT_PER_SECOND,
    rateLimitDeadlineMs: parsed.WFM_RATE_LIMIT_DEADLINE,
    maxRetryAfterMs: parsed.WFM_MAX_RETRY_AFTER,
  };
}

export function loadWfmSettings(env: Env): WfmSettings {
  return wfmSettingsFrom(parseEnv(wfmEnvSchema, env));
}
