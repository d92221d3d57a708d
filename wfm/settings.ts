import { z } from 'zod';
import { envDurationMs, envInt, type Env, parseEnv, SettingsError } from '../common/env';
import type { ApiStyle } from '../model/plan';
import { genesysEndpoints, type GenesysEndpoints } from './genesys/regions';

/**
 * The longest rate-limit deadline: the sync activity's start-to-close timeout (24 h, in workflows/schedule-push.ts)
 * must outlast it.
 */
export const MAX_RATE_LIMIT_DEADLINE_MS = 23 * 3_600_000;

/** How the worker reaches the WFM, by environment variable. */
export const wfmEnvSchema = z.object({
  WFM_BASE_URL: z
    .url({ protocol: /^https?$/, message: 'must be an http(s) URL' })
    .optional()
    .describe(
      'base URL of the WFM API (rest default: the embedded simulator on http://127.0.0.1:4010; genesys: instead of GENESYS_REGION, with WFM_LOGIN_URL)',
    ),
  WFM_LOGIN_URL: z
    .url({ protocol: /^https?$/, message: 'must be an http(s) URL' })
    .optional()
    .describe('genesys: the OAuth base URL, with WFM_BASE_URL, instead of GENESYS_REGION'),
  GENESYS_REGION: z.string().min(1).optional().describe('genesys: the region, e.g. ap-southeast-1'),
  GENESYS_CLIENT_ID: z
    .string()
    .min(1)
    .optional()
    .describe('genesys: the OAuth client (client-credentials grant)'),
  GENESYS_CLIENT_SECRET: z.string().min(1).optional().describe("genesys: the OAuth client's secret"),
  GENESYS_QUERY_NOTIFY_ID: z
    .string()
    .min(1)
    .optional()
    .describe(
      'genesys: the {id} of v2.workforcemanagement.users.{id}.schedules.query, where an agent query answered Processing reports (default: GENESYS_CLIENT_ID; unsettled publicly, see docs)',
    ),
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
  WFM_ALLOW_PRIVATE_HOSTS: z
    .enum(['true', 'false'])
    .default('false')
    .describe(
      'follow URLs the WFM or a client hands over (Genesys upload, download and channel URLs, notify URLs) to loopback, link-local and private addresses too (the WFM\u2019s own configured hosts always are)',
    ),
  GENESYS_STORAGE_HOSTS: z
    .string()
    .optional()
    .describe(
      'genesys: more hosts upload, download and channel URLs may point to, comma-separated: host, host:port or *.domain (default: the region\u2019s domain, or the hosts of WFM_BASE_URL and WFM_LOGIN_URL)',
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
      'a ceiling on WFM requests per second, per worker: each worker stays under 90 % of it, so several workers together can exceed it (the HTTP task queue also admits syncs at half of it across all workers); unset: none, each worker finds the rate the WFM sustains by itself',
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

/** What every adapter shares: timeouts, rate limits, body caps. */
interface CommonWfmSettings {
  requestTimeoutMs: number;
  /** A ceiling on the request rate; undefined: none (the adaptive rate control finds the WFM's limit). */
  rateLimitPerSecond: number | undefined;
  /** How long one request may keep being refused with 429 before its schedule fails. */
  rateLimitDeadlineMs: number;
  /** Longest pause a Retry-After can impose on the worker. */
  maxRetryAfterMs: number;
  /** The largest response body read. */
  maxResponseBytes: number;
  /** Where URLs the WFM or a client hands over may point (see wfm/url-policy.ts). */
  outbound: OutboundSettings;
}

export interface OutboundSettings {
  /** WFM_ALLOW_INSECURE_HTTP. */
  allowInsecureHttp: boolean;
  /** WFM_ALLOW_PRIVATE_HOSTS. */
  allowPrivateHosts: boolean;
  /** Genesys: the region's domain (`*.<domain>`) and GENESYS_STORAGE_HOSTS; the own URLs' hosts come on top. */
  storageHosts: string[];
}

export type WfmSettings =
  | (CommonWfmSettings & {
      apiStyle: 'rest';
      baseUrl: string;
      token: string;
      versionIn: 'body' | 'if-match' | 'both';
    })
  | (CommonWfmSettings & {
      apiStyle: 'genesys';
      apiBaseUrl: string;
      loginBaseUrl: string;
      clientId: string;
      clientSecret: string;
      /** The `{id}` of the agent-query notification topic. */
      queryNotifyId: string;
    });

/**
 * The WFM settings, checked as a whole: no credentials inside a URL (they would be printed and logged), no plain
 * http:// to another machine unless allowed, no default token for a real WFM; for Genesys Cloud a region or both
 * URLs, and the OAuth client.
 */
export function wfmSettingsFrom(
  parsed: z.infer<typeof wfmEnvSchema>,
  apiStyle: ApiStyle = 'rest',
): WfmSettings {
  const common: CommonWfmSettings = {
    requestTimeoutMs: parsed.WFM_REQUEST_TIMEOUT_MS,
    rateLimitPerSecond: parsed.WFM_RATE_LIMIT_PER_SECOND,
    rateLimitDeadlineMs: parsed.WFM_RATE_LIMIT_DEADLINE,
    maxRetryAfterMs: parsed.WFM_MAX_RETRY_AFTER,
    maxResponseBytes: parsed.WFM_MAX_RESPONSE_BYTES,
    outbound: {
      allowInsecureHttp: parsed.WFM_ALLOW_INSECURE_HTTP === 'true',
      allowPrivateHosts: parsed.WFM_ALLOW_PRIVATE_HOSTS === 'true',
      storageHosts: [],
    },
  };
  const storageHosts = (parsed.GENESYS_STORAGE_HOSTS ?? '')
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter(Boolean);
  const problems: string[] = [];
  if (apiStyle === 'genesys') {
    let endpoints: GenesysEndpoints | undefined;
    try {
      endpoints = genesysEndpoints({
        region: parsed.GENESYS_REGION,
        baseUrl: parsed.WFM_BASE_URL,
        loginUrl: parsed.WFM_LOGIN_URL,
      });
    } catch (err) {
      problems.push(`GENESYS_REGION / WFM_BASE_URL + WFM_LOGIN_URL: ${(err as Error).message}`);
    }
    if (endpoints) {
      problems.push(...urlProblems('WFM_BASE_URL', endpoints.apiBaseUrl, parsed));
      problems.push(...urlProblems('WFM_LOGIN_URL', endpoints.loginBaseUrl, parsed));
    }
    if (!parsed.GENESYS_CLIENT_ID) problems.push('GENESYS_CLIENT_ID: required when WFM_API_STYLE=genesys');
    if (!parsed.GENESYS_CLIENT_SECRET)
      problems.push('GENESYS_CLIENT_SECRET: required when WFM_API_STYLE=genesys');
    for (const host of storageHosts)
      if (!/^(\*\.|\.)?[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d{1,5})?$/.test(host))
        problems.push(`GENESYS_STORAGE_HOSTS: ${JSON.stringify(host)} is not host, host:port or *.domain`);
    if (problems.length > 0 || !endpoints || !parsed.GENESYS_CLIENT_ID || !parsed.GENESYS_CLIENT_SECRET)
      throw new SettingsError(problems);
    // A region names its domain: its storage and streaming hosts live under it.
    const regionHosts = parsed.GENESYS_REGION
      ? [`*.${new URL(endpoints.apiBaseUrl).hostname.replace(/^api\./, '')}`]
      : [];
    return {
      ...common,
      outbound: { ...common.outbound, storageHosts: [...regionHosts, ...storageHosts] },
      apiStyle,
      apiBaseUrl: endpoints.apiBaseUrl,
      loginBaseUrl: endpoints.loginBaseUrl,
      clientId: parsed.GENESYS_CLIENT_ID,
      clientSecret: parsed.GENESYS_CLIENT_SECRET,
      queryNotifyId: parsed.GENESYS_QUERY_NOTIFY_ID ?? parsed.GENESYS_CLIENT_ID,
    };
  }
  const baseUrl = parsed.WFM_BASE_URL ?? 'http://127.0.0.1:4010';
  const host = new URL(baseUrl).hostname;
  problems.push(...urlProblems('WFM_BASE_URL', baseUrl, parsed));
  if (parsed.WFM_TOKEN === undefined && !isLoopback(host))
    problems.push(`WFM_TOKEN: required for a WFM that is not on this machine (${host})`);
  if (problems.length > 0) throw new SettingsError(problems);
  return {
    ...common,
    apiStyle,
    baseUrl,
    // The simulator's token: only ever a default for a WFM on this machine.
    token: parsed.WFM_TOKEN ?? 'dev-token',
    versionIn: parsed.WFM_VERSION_IN,
  };
}

/** A URL that would leak credentials: userinfo in it, or plain http:// to another machine (unless allowed). */
function urlProblems(name: string, value: string, parsed: z.infer<typeof wfmEnvSchema>): string[] {
  const url = new URL(value);
  const problems: string[] = [];
  if (url.username || url.password) problems.push(`${name}: must not carry credentials (user:password@)`);
  if (url.protocol === 'http:' && !isLoopback(url.hostname) && parsed.WFM_ALLOW_INSECURE_HTTP !== 'true')
    problems.push(
      `${name}: http:// to ${url.hostname} would send the token and schedules unencrypted; use https:// (or set WFM_ALLOW_INSECURE_HTTP=true)`,
    );
  return problems;
}

export function loadWfmSettings(env: Env, apiStyle: ApiStyle = 'rest'): WfmSettings {
  return wfmSettingsFrom(parseEnv(wfmEnvSchema, env), apiStyle);
}

/** localhost, 127.0.0.0/8 and ::1: a WFM on this machine (the simulator). */
export function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

/** Where the WFM is, for a start-up line: no credentials (settings refuse them in URLs). */
export function wfmLocation(settings: WfmSettings): string {
  return settings.apiStyle === 'genesys' ? `Genesys Cloud ${settings.apiBaseUrl}` : settings.baseUrl;
}
