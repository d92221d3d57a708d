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

  it('treats a request without an answer as transient, names the host, and keeps a compact cause', () => {
    const reset = Object.assign(new TypeError('fetch failed'), {
      cause: Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }),
    });
    const failure = classifyNetworkFailure(
      'PUT schedule s-1',
      reset,
      'https://wfm.example.com/schedules/s-1',
    );
    expect(failure.type).toBe(FailureType.Transient);
    expect(failure.nonRetryable).toBe(false);
    expect(failure.message).toBe(
      'PUT schedule s-1: WFM unreachable: connection to wfm.example.com:443 reset (ECONNRESET)',
    );
    expect(failure.details).toEqual([{ host: 'wfm.example.com:443', network: 'ECONNRESET' }]);
    expect(failure.cause).toMatchObject({ name: 'ECONNRESET', message: 'read ECONNRESET' });
    expect(failure.cause?.stack).toBe('ECONNRESET: read ECONNRESET');
  });

  it('says "connection refused by host:port" for a port nobody listens on (Node: an AggregateError per address)', () => {
    const refused = Object.assign(new TypeError('fetch failed'), {
      cause: Object.assign(new AggregateError([new Error('connect ECONNREFUSED 127.0.0.1:9')], ''), {
        code: 'ECONNREFUSED',
      }),
    });
    const failure = classifyNetworkFailure('GET schedule s-1', refused, 'http://127.0.0.1:9/schedules/s-1');
    expect(failure.message).toBe('GET schedule s-1: WFM unreachable: connection refused by 127.0.0.1:9');
    expect(failure.cause?.message).toBe('connect ECONNREFUSED 127.0.0.1:9');
    const timeout = Object.assign(new Error('The operation was aborted due to timeout'), {
      name: 'TimeoutError',
    });
    expect(classifyNetworkFailure('GET schedule s-1', timeout, 'http://wfm:8080/x').message).toBe(
      'GET schedule s-1: WFM not answering: no answer from wfm:8080 in time',
    );
  });

  it('puts the host beside the status of an HTTP failure', () => {
    const failure = classifyHttpFailure(
      'PUT schedule s-1',
      503,
      new Headers(),
      'down',
      NOW,
      [],
      'http://wfm:8080/x',
    );
    expect(failure.details).toEqual([{ host: 'wfm:8080', status: 503 }]);
  });
});
