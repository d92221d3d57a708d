/** What a server said about its rate limit in one answer. Every field is optional: dialects say different things. */
export interface RateLimitInfo {
  /** Requests allowed per window (the quota). */
  limit?: number;
  /** Requests still allowed before the quota resets. */
  remaining?: number;
  /** Milliseconds from now until the quota resets. */
  resetMs?: number;
  /** Length of the quota's window, in ms, when the server names it (IETF policy `w`). */
  windowMs?: number;
}

/**
 * Reads the rate-limit headers of one answer, whichever dialect the server speaks: the IETF draft's structured
 * `RateLimit` / `RateLimit-Policy` (and its intermediate `limit=, remaining=, reset=` form), the older draft's
 * `RateLimit-Limit/-Remaining/-Reset`, `X-RateLimit-*` (GitHub style, reset in epoch seconds) and legacy Genesys
 * `inin-ratelimit-*`. The first dialect present wins; `undefined` when the answer carries none.
 */
export function readRateLimitHeaders(headers: Headers, nowMs: number): RateLimitInfo | undefined {
  const info =
    structured(headers) ??
    fields(headers, 'ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset', nowMs) ??
    fields(headers, 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset', nowMs) ??
    genesysLegacy(headers);
  if (info === undefined) return undefined;
  // An older-draft server may name its window in a policy header next to the three fields.
  if (info.windowMs === undefined) {
    const policy = pickPolicy(parseList(headers.get('ratelimit-policy')), undefined);
    if (policy?.windowMs !== undefined) info.windowMs = policy.windowMs;
    if (info.limit === undefined && policy?.limit !== undefined) info.limit = policy.limit;
  }
  return info;
}

/**
 * The pause a `Retry-After` header asks for, in ms: delay-seconds or an HTTP date. Never 0 (a date already past
 * still means "wait a moment", and a zero delay reads as "unset" to Temporal); `undefined` when absent or unreadable.
 */
export function retryAfterMs(header: string | null, nowMs: number): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return seconds < 0 ? undefined : Math.max(1, Math.round(seconds * 1000));
  const at = Date.parse(header);
  if (Number.isNaN(at)) return undefined;
  return Math.max(1, at - nowMs);
}

interface ListMember {
  /** The item (a policy name, or a bare number in older drafts); '' in the dictionary form. */
  item: string;
  params: Map<string, string>;
}

/** IETF draft: `RateLimit: "default";r=50;t=30` with `RateLimit-Policy: "default";q=100;w=60`, or `limit=, remaining=, reset=`. */
function structured(headers: Headers): RateLimitInfo | undefined {
  const members = parseList(headers.get('ratelimit'));
  if (members.length === 0) return undefined;
  const dictionary = members.find((m) => m.item === '' && m.params.has('remaining'));
  if (dictionary) {
    const get = (key: string) =>
      count(dictionary.params.get(key) ?? members.find((m) => m.params.has(key))?.params.get(key));
    return compact({ limit: get('limit'), remaining: get('remaining'), resetMs: seconds(get('reset')) });
  }
  // Several policies: the one leaving the least rate (remaining per second to reset) is the one that binds.
  let binding: { member: ListMember; remaining: number; resetMs?: number } | undefined;
  for (const member of members) {
    const remaining = count(member.params.get('r'));
    if (remaining === undefined) continue;
    const resetMs = seconds(count(member.params.get('t')));
    const ratio = remaining / Math.max(1, (resetMs ?? 1000) / 1000);
    const best = binding && binding.remaining / Math.max(1, (binding.resetMs ?? 1000) / 1000);
    if (best === undefined || ratio < best) binding = { member, remaining, resetMs };
  }
  if (!binding) return undefined;
  const policy = pickPolicy(parseList(headers.get('ratelimit-policy')), binding.member.item);
  return compact({ ...policy, remaining: binding.remaining, resetMs: binding.resetMs });
}

/** The policy named `name`, else the most restrictive one (least quota per second). */
function pickPolicy(members: ListMember[], name: string | undefined): RateLimitInfo | undefined {
  const policies = members.flatMap((m) => {
    const limit = count(m.params.get('q') ?? (m.item === '' ? undefined : m.item));
    if (limit === undefined) return [];
    return [{ name: m.item, limit, windowMs: seconds(count(m.params.get('w'))) }];
  });
  const named = name ? policies.find((p) => p.name === name) : undefined;
  const chosen =
    named ??
    policies.reduce<(typeof policies)[number] | undefined>(
      (a, p) => (!a || p.limit / (p.windowMs ?? 1000) < a.limit / (a.windowMs ?? 1000) ? p : a),
      undefined,
    );
  return chosen && compact({ limit: chosen.limit, windowMs: chosen.windowMs });
}

/** The three-field dialects; a reset this large is a point in time (epoch seconds, or ms), not a delay. */
function fields(
  headers: Headers,
  limitName: string,
  remainingName: string,
  resetName: string,
  nowMs: number,
): RateLimitInfo | undefined {
  // Draft-03 style lists its policies after the limit: `10, 10;w=1`.
  const members = parseList(headers.get(limitName));
  const limitMember = members[0];
  const limit = count(limitMember?.item);
  const window = members.find((m) => m.item === limitMember?.item && m.params.has('w')) ?? limitMember;
  const remaining = count(headers.get(remainingName) ?? undefined);
  const reset = count(headers.get(resetName) ?? undefined);
  let resetMs: number | undefined;
  if (reset !== undefined) {
    if (reset >= 1e12) resetMs = Math.max(0, reset - nowMs);
    else if (reset >= 1e9) resetMs = Math.max(0, reset * 1000 - nowMs);
    else resetMs = reset * 1000;
  }
  return compact({ limit, remaining, resetMs, windowMs: seconds(count(window?.params.get('w'))) });
}

/** Genesys before June 2021: allowed per window, count used so far, reset in seconds. */
function genesysLegacy(headers: Headers): RateLimitInfo | undefined {
  const limit = count(headers.get('inin-ratelimit-allowed') ?? undefined);
  const used = count(headers.get('inin-ratelimit-count') ?? undefined);
  const remaining = limit !== undefined && used !== undefined ? Math.max(0, limit - used) : undefined;
  return compact({
    limit,
    remaining,
    resetMs: seconds(count(headers.get('inin-ratelimit-reset') ?? undefined)),
  });
}

/** A structured-field list, leniently: members split on commas, parameters on semicolons, quotes respected. */
function parseList(value: string | null): ListMember[] {
  if (value === null) return [];
  return splitOutside(value, ',').flatMap((raw) => {
    const parts = splitOutside(raw, ';').map((p) => p.trim());
    const first = parts[0];
    if (first === undefined || first === '') return [];
    // Dictionary form (`limit=100`): the member itself is a key=value pair.
    const dictionary = first.includes('=') && !first.startsWith('"');
    const params = new Map<string, string>();
    for (const part of dictionary ? parts : parts.slice(1)) {
      const eq = part.indexOf('=');
      if (eq > 0) params.set(part.slice(0, eq).trim().toLowerCase(), unquote(part.slice(eq + 1).trim()));
    }
    return [{ item: dictionary ? '' : unquote(first), params }];
  });
}

function splitOutside(value: string, separator: string): string[] {
  const out: string[] = [];
  let quoted = false;
  let start = 0;
  for (let i = 0; i < value.length; i++) {
    const ch = value[i];
    if (ch === '"' && value[i - 1] !== '\\') quoted = !quoted;
    else if (ch === separator && !quoted) {
      out.push(value.slice(start, i));
      start = i + 1;
    }
  }
  out.push(value.slice(start));
  return out;
}

function unquote(s: string): string {
  return s.length >= 2 && s.startsWith('"') && s.endsWith('"') ? s.slice(1, -1) : s;
}

/** A non-negative finite number, or undefined: a garbled header is ignored, never guessed at. */
function count(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const n = Number(value.trim());
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

function seconds(value: number | undefined): number | undefined {
  return value === undefined ? undefined : value * 1000;
}

/** Drops undefined fields; `undefined` when nothing is left. */
function compact(info: RateLimitInfo): RateLimitInfo | undefined {
  const out: RateLimitInfo = {};
  for (const key of ['limit', 'remaining', 'resetMs', 'windowMs'] as const) {
    const v = info[key];
    if (v !== undefined) out[key] = v;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}
