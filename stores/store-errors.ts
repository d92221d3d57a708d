/**
 * What a store failure means for whoever called it: the store could not be reached or was too busy (an outage: wait
 * and call again, the store calls are idempotent), or anything else (a missing or damaged plan, a bug: calling again
 * cannot help).
 */

/** A stored plan that is not there: no store outage, and no retry will make it appear. */
export class StoredPlanMissing extends Error {
  override readonly name = 'StoredPlanMissing';
}

/** Node's error codes of a store that cannot be reached, or cannot take the call now. */
const OUTAGE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EHOSTDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'EAGAIN',
  'EBUSY',
  'EMFILE',
  'ENFILE',
  'ENOSPC',
  'EIO',
  'ESTALE',
]);

/**
 * PostgreSQL SQLSTATEs of an outage: connection exceptions (class 08), insufficient resources (53: too many
 * connections, disk full), operator intervention (57P01-57P03: shut down, restarting, not accepting connections yet),
 * and a transaction that lost a race (40001, 40P01) or waited too long for a lock (55P03).
 */
function isOutageSqlState(code: string): boolean {
  return /^(08|53)/.test(code) || ['57P01', '57P02', '57P03', '40001', '40P01', '55P03'].includes(code);
}

/** Messages of `pg` and `pg-pool` for a connection lost or not had in time (they carry no code). */
const OUTAGE_MESSAGES = [
  /\b(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|EAI_AGAIN)\b/,
  /connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /connection timeout/i,
  /the database system is (starting up|shutting down|in recovery mode)/i,
  /Client has encountered a connection error/i,
];

/** True when `err` (or its cause) says the store was out of reach or too busy, not that the call was wrong. */
export function isStoreOutage(err: unknown): boolean {
  // Node's own errors (a refused connection) may come from another realm, where `instanceof Error` is false: read
  // them by their fields.
  for (let e: unknown = err, depth = 0; isErrorLike(e) && depth < 5; e = e.cause, depth++) {
    if (e instanceof StoredPlanMissing) return false;
    if (typeof e.code === 'string' && (OUTAGE_CODES.has(e.code) || isOutageSqlState(e.code))) return true;
    if (typeof e.message === 'string' && OUTAGE_MESSAGES.some((m) => m.test(e.message as string)))
      return true;
    if (Array.isArray(e.errors) && e.errors.some(isStoreOutage)) return true;
  }
  return false;
}

function isErrorLike(
  value: unknown,
): value is { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown } {
  return typeof value === 'object' && value !== null && ('message' in value || 'code' in value);
}
