import { z } from 'zod';
import { envDurationMs, envInt, type Env, parseEnv, SettingsError } from '../common/env';

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
  WFM_TOKEN: z
    .string()
    .min(1)
    .optional()
    .describe(
      "bearer token; required unless WFM_BASE_URL is on this machine (then the simulator's dev-token)",
    ),
  WFM_ALLOW_INSECURE_HTTP: z
    .enum(['true', 'false'])
    .default('false')
    .describe(
      'allow http:// to a WFM that is not on this machine (tokens and schedules would cross the network unencrypted)',
    ),
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
  WFM_MAX_RESPONSE_BYTES: envInt(1024, 2 ** 31)
    .default(32 * 2 ** 20)
    .describe('the largest WFM answer read, in bytes; a larger one fails its schedule instead of the worker'),
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
  /** The largest response body read. */
  maxResponseBytes: number;
}

/**
 * The WFM settings, checked as a whole: no credentials inside the URL (they would be printed and logged), no plain
 * http:// to another machine unless allowed, and no default token for a real WFM.
 */
export function wfmSettingsFrom(parsed: z.infer<typeof wfmEnvSchema>): WfmSettings {
  const url = new URL(parsed.WFM_BASE_URL);
  const problems: string[] = [];
  if (url.username || url.password)
    problems.push('WFM_BASE_URL: must not carry credentials (user:password@); use WFM_TOKEN');
  const local = isLoopback(url.hostname);
  if (url.protocol === 'http:' && !local && parsed.WFM_ALLOW_INSECURE_HTTP !== 'true')
    problems.push(
      `WFM_BASE_URL: http:// to ${url.hostname} would send the token and schedules unencrypted; use https:// (or set WFM_ALLOW_INSECURE_HTTP=true)`,
    );
  if (parsed.WFM_TOKEN === undefined && !local)
    problems.push(`WFM_TOKEN: required for a WFM that is not on this machine (${url.hostname})`);
  if (problems.length > 0) throw new SettingsError(problems);
  return {
    baseUrl: parsed.WFM_BASE_URL,
    // The simulator's token: only ever a default for a WFM on this machine.
    token: parsed.WFM_TOKEN ?? 'dev-token',
    versionIn: parsed.WFM_VERSION_IN,
    requestTimeoutMs: parsed.WFM_REQUEST_TIMEOUT_MS,
    rateLimitPerSecond: parsed.WFM_RATE_LIMIT_PER_SECOND,
    rateLimitDeadlineMs: parsed.WFM_RATE_LIMIT_DEADLINE,
    maxRetryAfterMs: parsed.WFM_MAX_RETRY_AFTER,
    maxResponseBytes: parsed.WFM_MAX_RESPONSE_BYTES,
  };
}

export function loadWfmSettings(env: Env): WfmSettings {
  return wfmSettingsFrom(parseEnv(wfmEnvSchema, env));
}

/** localhost, 127.0.0.0/8 and ::1: a WFM on this machine (the simulator). */
export function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}
