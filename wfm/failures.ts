import { ApplicationFailure, ApplicationFailureCategory } from '@temporalio/common';
import { FailureType } from '../model/failures';
import { z } from 'zod';
import { retryAfterMs } from './rate/rate-limit-headers';
import { cleanServerText } from './server-text';

/** The error body most WFM APIs send (`{ status, code, message }`); anything else is shown as text. */
const errorBodySchema = z.looseObject({
  status: z.number().int().optional(),
  code: z.string().optional(),
  message: z.string().optional(),
});

/** Error bodies larger than this are not parsed as JSON, only shown (cut) as text. */
const MAX_ERROR_JSON_CHARS = 4 * 2 ** 20;

/**
 * What the server said, for a report line: `429 too.many.requests: Rate limit exceeded`. Cleaned (see
 * `cleanServerText`): `secrets` (the token the request carried) and anything credential-like are redacted.
 */
export function serverMessage(status: number, bodyText: string, secrets: readonly string[] = []): string {
  if (bodyText.length <= MAX_ERROR_JSON_CHARS) {
    try {
      const body = errorBodySchema.safeParse(JSON.parse(bodyText));
      if (body.success && body.data.message) {
        const said = `${body.data.code ?? ''}: ${body.data.message}`;
        return `${status} ${cleanServerText(said, secrets)}`.replace(' :', ':');
      }
    } catch {
      // Not JSON: fall through to the text.
    }
  }
  return `${status}: ${cleanServerText(bodyText, secrets) || '(empty body)'}`;
}

/**
 * Never sooner than the server asked, but not all at the same instant either: every client refused in one window
 * would otherwise come back together at its reset and be refused again. Adds up to 10 % (at most 1 s).
 */
function spreadOut(delayMs: number | undefined, random: () => number = Math.random): number | undefined {
  if (delayMs === undefined) return undefined;
  return delayMs + Math.round(random() * Math.min(1000, delayMs * 0.1));
}

/**
 * The one place an HTTP failure becomes a Temporal failure. `what` names the request for the message
 * (`PUT schedule s-1`), so the report says which call the server refused and what it said.
 */
export function classifyHttpFailure(
  what: string,
  status: number,
  headers: Headers,
  bodyText: string,
  nowMs: number,
  /** Redacted from the server's text wherever it shows up (the token the request carried). */
  secrets: readonly string[] = [],
): ApplicationFailure {
  const message = `${what}: ${serverMessage(status, bodyText, secrets)}`;
  const details = [{ status }];
  if (status === 409 || status === 412) {
    // Expected under contention: BENIGN keeps it out of failure metrics and error logs.
    return ApplicationFailure.create({
      type: FailureType.VersionConflict,
      message,
      nonRetryable: true,
      details,
      category: ApplicationFailureCategory.BENIGN,
    });
  }
  if (status === 429) {
    const delay = spreadOut(retryAfterMs(headers.get('retry-after'), nowMs));
    return ApplicationFailure.create({
      type: FailureType.RateLimited,
      message,
      details,
      nextRetryDelay: delay,
      category: ApplicationFailureCategory.BENIGN,
    });
  }
  if (status === 401)
    return ApplicationFailure.create({
      type: FailureType.Unauthorized,
      message,
      nonRetryable: true,
      details,
    });
  if (status >= 500 || status === 408) {
    const delay = retryAfterMs(headers.get('retry-after'), nowMs);
    return ApplicationFailure.create({
      type: FailureType.Transient,
      message,
      details,
      nextRetryDelay: delay,
    });
  }
  // 400, 403, 404, 413, 422 and any other 4xx: the same request will be refused again.
  return ApplicationFailure.create({ type: FailureType.Rejected, message, nonRetryable: true, details });
}

/** A request that got no HTTP answer: timeout, reset, refused connection. The write may or may not have committed. */
export function classifyNetworkFailure(what: string, err: unknown): ApplicationFailure {
  const cause = err instanceof Error ? err : undefined;
  const reason =
    cause?.name === 'TimeoutError'
      ? 'timed out'
      : `no response (${cleanServerText(describeNetworkError(cause))})`;
  return ApplicationFailure.create({ type: FailureType.Transient, message: `${what}: ${reason}`, cause });
}

function describeNetworkError(err: Error | undefined): string {
  if (!err) return 'unknown error';
  const code = (err.cause as { code?: string } | undefined)?.code;
  return code ? `${err.message}: ${code}` : err.message;
}

/**
 * A request the WFM kept refusing with 429 for longer than the worker's rate-limit deadline: only now does rate
 * limiting fail a schedule, saying how long it waited and at what rate the worker was sending.
 */
export function rateLimitDeadlinePassed(
  what: string,
  waitedMs: number,
  refusals: number,
  ratePerSecond: number,
  lastAnswer: string,
): ApplicationFailure {
  const minutes = Math.round(waitedMs / 60_000);
  return ApplicationFailure.create({
    type: FailureType.RateLimited,
    message: `${what}: still rate limited after ${minutes >= 1 ? `${minutes} min` : `${Math.round(waitedMs / 1000)} s`} (${refusals} answers 429, the worker's request rate had come down to ${ratePerSecond.toFixed(2)}/s); last answer: ${lastAnswer}`,
    nonRetryable: true,
  });
}

export function protocolViolation(what: string, message: string): ApplicationFailure {
  return ApplicationFailure.create({
    type: FailureType.ProtocolViolation,
    message: `${what}: ${message}`,
    nonRetryable: true,
  });
}
