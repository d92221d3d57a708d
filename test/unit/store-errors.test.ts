import { runInNewContext } from 'node:vm';
import { isStoreOutage, StoredPlanMissing } from '../../stores/store-errors';

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });

/** Which store failures are outages (waited out) and which are not (a missing plan, a bug: failed at once). */
describe('isStoreOutage', () => {
  it.each([
    ['a refused connection', withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED')],
    [
      'a refused connection from another realm',
      runInNewContext(
        "Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })",
      ),
    ],
    ['PostgreSQL shutting down', withCode('terminating connection due to administrator command', '57P01')],
    ['PostgreSQL starting', withCode('the database system is starting up', '57P03')],
    ['a broken connection', withCode('connection failure', '08006')],
    ['too many connections', withCode('sorry, too many clients already', '53300')],
    ['a lost connection', new Error('Connection terminated unexpectedly')],
    ['a pool that cannot connect in time', new Error('timeout exceeded when trying to connect')],
    [
      'a wrapped outage',
      new Error('query failed', { cause: withCode('connect ECONNREFUSED', 'ECONNREFUSED') }),
    ],
    ['every address refused', new AggregateError([withCode('connect ECONNREFUSED ::1', 'ECONNREFUSED')])],
    ['a full disk', withCode('ENOSPC: no space left on device', 'ENOSPC')],
  ])('waits out %s', (_, err) => {
    expect(isStoreOutage(err)).toBe(true);
  });

  it.each([
    ['a missing plan', new StoredPlanMissing('no stored plan abc')],
    ['a missing file', withCode('ENOENT: no such file or directory', 'ENOENT')],
    ['a constraint violation', withCode('duplicate key value violates unique constraint', '23505')],
    ['a damaged plan', new Error('stored plan x does not match its SHA-256 (changed or damaged)')],
    ['a bug', new TypeError("Cannot read properties of undefined (reading 'agents')")],
    ['not an error', 'ECONNREFUSED'],
  ])('does not wait out %s', (_, err) => {
    expect(isStoreOutage(err)).toBe(false);
  });
});
