import { ApplicationFailure } from '@temporalio/common';
import { classifyHttpFailure, classifyNetworkFailure } from '../../wfm/failures';
import { FailureType } from '../../model/failures';

const NOW = Date.parse('2026-11-27T10:00:00Z');
const classify = (
  status: number,
  headers: Record<string, string> = {},
  body = '{"status":0,"code":"x","message":"why"}',
) => classifyHttpFailure('PUT schedule s-1', status, new Headers(headers), body, NOW);

describe('failure classification', () => {
  it.each([
    [409, FailureType.VersionConflict, true],
    [412, FailureType.VersionConflict, true],
    [429, FailureType.RateLimited, false],
    [500, FailureType.Transient, false],
    [502, FailureType.Transient, false],
    [503, FailureType.Transient, false],
    [400, FailureType.Rejected, true],
    [403, FailureType.Rejected, true],
    [404, FailureType.Rejected, true],
    [413, FailureType.Rejected, true],
    [422, FailureType.Rejected, true],
    [401, FailureType.Unauthorized, true],
  ])('HTTP %i is %s (non-retryable: %s)', (status, type, nonRetryable) => {
    const failure = classify(status);
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure.type).toBe(type);
    expect(failure.nonRetryable).toBe(nonRetryable);
  });

  it("keeps the server's code and message, and names the request", () => {
    const failure = classify(
      404,
      {},
      '{"status":404,"code":"schedule.not_found","message":"schedule s-1 does not exist"}',
    );
    expect(failure.message).toBe('PUT schedule s-1: 404 schedule.not_found: schedule s-1 does not exist');
    expect(classify(500, {}, 'upstream exploded').message).toBe('PUT schedule s-1: 500: upstream exploded');
  });

  it('retries a 429 no sooner than its Retry-After (seconds or HTTP date), spread by at most 10 %', () => {
    const delay = (headers: Record<string, string>) => Number(classify(429, headers).nextRetryDelay);
    for (let i = 0; i < 20; i++) {
      expect(delay({ 'retry-after': '3' })).toBeGreaterThanOrEqual(3000);
      expect(delay({ 'retry-after': '3' })).toBeLessThanOrEqual(3300);
      const date = new Date(NOW + 2500).toUTCString(); // HTTP dates have whole seconds
      expect(delay({ 'retry-after': date })).toBeGreaterThanOrEqual(2000);
      expect(delay({ 'retry-after': date })).toBeLessThanOrEqual(2200);
    }
    expect(classify(429).nextRetryDelay).toBeUndefined();
  });

  it('treats a request without an answer as transient and keeps the cause', () => {
    const reset = Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNRESET' } });
    const failure = classifyNetworkFailure('PUT schedule s-1', reset);
    expect(failure.type).toBe(FailureType.Transient);
    expect(failure.nonRetryable).toBe(false);
    expect(failure.message).toContain('ECONNRESET');
    expect(failure.cause).toBe(reset);
  });
});
