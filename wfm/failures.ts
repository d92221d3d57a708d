import { ApplicationFailure, ApplicationFailureCategory } from '@temporalio/common';
import { FailureType } from '../model/failures';
import { hostOf, wfmProblemText, type WfmProblem } from '../model/wfm-problem';
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
  /** The request's URL: its host goes into the details (a `WfmProblem`) for operators. */
  url?: string,
): ApplicationFailure {
  const message = `${what}: ${serverMessage(status, bodyText, secrets)}`;
  const details: [WfmProblem] | [{ status: number }] = url ? [{ host: hostOf(url), status }] : [{ status }];
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

/**
 * A request that got no HTTP answer: timeout, reset, refused connection. The write may or may not have committed.
 * The message names the host and what happened ("connection refused by wfm.example.com:443"); the details carry the
 * same as a `WfmProblem`. The cause is kept, compacted to its code and message: a fetch error's own chain (TypeError,
 * then the socket's error, an AggregateError of every address tried), each with its stack, is larger than the 4 KB
 * Temporal keeps of a retrying activity's failure, which it then replaces with "Failure exceeds size limit.".
 */
export function classifyNetworkFailure(what: string, err: unknown, url?: string): ApplicationFailure {
  const network = networkErrorCode(err);
  const problem: WfmProblem = { host: url ? hostOf(url) : '(unknown host)', network };
  return ApplicationFailure.create({
    type: FailureType.Transient,
    message: `${what}: ${wfmProblemText(problem)}`,
    details: [problem],
    cause: compactCause(err, network),
  });
}

/** The code of a network error, wherever it sits in the cause chain; `TIMEOUT` for the request's own timeout. */
export function networkErrorCode(err: unknown): string {
  let e: unknown = err;
  for (let depth = 0; depth < 5 && e !== null && typeof e === 'object'; depth++) {
    const { name, code } = e as { name?: unknown; code?: unknown };
    // The request timeout aborts with a TimeoutError (checked by name: it may come from another realm).
    if (name === 'TimeoutError') return 'TIMEOUT';
    if (typeof code === 'string' && code.length > 0) return code;
    e = (e as { cause?: unknown }).cause;
  }
  return 'UNKNOWN';
}

/** The innermost message of the chain (the socket's own, e.g. "connect ECONNREFUSED 10.0.0.5:443"), named by code. */
function compactCause(err: unknown, code: string): Error {
  let message = 'no answer';
  for (let e: unknown = err, depth = 0; depth < 5 && e !== null && typeof e === 'object'; depth++) {
    const { message: m, errors, cause } = e as { message?: unknown; errors?: unknown; cause?: unknown };
    if (typeof m === 'string' && m.length > 0) message = m;
    // An AggregateError (every address of the host tried) says it in its first error.
    e = Array.isArray(errors) && errors.length > 0 ? errors[0] : cause;
  }
  const cause = new Error(cleanServerText(message).slice(0, 200));
  cause.name = code;
  // No frames: where fetch failed inside undici says nothing the code and message do not.
  cause.stack = `${cause.name}: ${cause.message}`;
  return cause;
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
