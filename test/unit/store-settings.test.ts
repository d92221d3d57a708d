import path from 'node:path';
import { describeEnv, SettingsError } from '../../common/env';
import { redactUrl } from '../../common/redact';
import { loadSharedSettings } from '../../common/settings';
import { describeStore } from '../../common/store-settings';
import { workerEnvSchema } from '../../worker/settings';

const PASSWORD = 's3cret-Pa55';

function problemsOf(env: Record<string, string>): string {
  try {
    loadSharedSettings(env);
  } catch (err) {
    if (err instanceof SettingsError) return err.message;
    throw err;
  }
  throw new Error('expected a SettingsError');
}

describe('WFM_PUSH_STORE', () => {
  it('defaults to the data folder, so WFM_PUSH_DATA_DIR alone works as before', () => {
    expect(loadSharedSettings({})).toMatchObject({
      store: { kind: 'file', folder: path.resolve('.data') },
      dataDir: path.resolve('.data'),
    });
    expect(loadSharedSettings({ WFM_PUSH_DATA_DIR: 'here' })).toMatchObject({
      store: { kind: 'file', folder: path.resolve('here') },
      dataDir: path.resolve('here'),
    });
  });

  it('takes precedence over WFM_PUSH_DATA_DIR for the store; a file: store is also the data folder unless one is set', () => {
    expect(loadSharedSettings({ WFM_PUSH_STORE: 'file:./shared' })).toMatchObject({
      store: { kind: 'file', folder: path.resolve('shared') },
      dataDir: path.resolve('shared'),
    });
    expect(loadSharedSettings({ WFM_PUSH_STORE: 'file:./shared', WFM_PUSH_DATA_DIR: 'mine' })).toMatchObject({
      store: { kind: 'file', folder: path.resolve('shared') },
      dataDir: path.resolve('mine'),
    });
    expect(loadSharedSettings({ WFM_PUSH_STORE: 'file:///srv/wfm push' }).store).toEqual({
      kind: 'file',
      folder: '/srv/wfm push',
    });
    expect(loadSharedSettings({ WFM_PUSH_STORE: 'file:/srv/x' }).store).toEqual({
      kind: 'file',
      folder: '/srv/x',
    });
  });

  it('names a PostgreSQL database, with a bounded pool (default 10); the data folder stays local', () => {
    const url = `postgres://wfm:${PASSWORD}@db.internal:5433/wfm?sslmode=require`;
    expect(loadSharedSettings({ WFM_PUSH_STORE: url })).toMatchObject({
      store: { kind: 'postgres', url, poolMax: 10 },
      dataDir: path.resolve('.data'),
    });
    expect(
      loadSharedSettings({ WFM_PUSH_STORE: 'postgres://wfm@/wfm?host=/run/postgresql' }).store,
    ).toMatchObject({
      kind: 'postgres',
    });
    const settings = loadSharedSettings({
      WFM_PUSH_STORE: 'postgresql://wfm@db/wfm?sslmode=verify-full',
      WFM_PUSH_STORE_POOL_MAX: '3',
    });
    expect(settings.store).toMatchObject({ kind: 'postgres', poolMax: 3 });
    expect(describeStore(loadSharedSettings({ WFM_PUSH_STORE: url }).store)).toBe(
      'postgres://wfm:***@db.internal:5433/wfm?sslmode=require',
    );
  });

  it.each([
    ['another scheme', `mysql://wfm:${PASSWORD}@db/wfm`, /expected file:<folder> or postgres:/],
    ['no scheme', `wfm:${PASSWORD}@db:5432/wfm`, /expected file:<folder> or postgres:/],
    ['no host', `postgres://wfm:${PASSWORD}@/wfm`, /names no host/],
    ['no host, password as a parameter', `postgres:///wfm?password=${PASSWORD}`, /names no host/],
    ['no database', `postgres://wfm:${PASSWORD}@db:5432`, /names no database/],
    ['a bad port', `postgres://wfm:${PASSWORD}@db:99999/wfm`, /not a valid URL/],
    ['an empty folder', 'file:', /names no folder/],
    [
      'a server on another host without TLS',
      `postgres://wfm:${PASSWORD}@db.internal:5432/wfm`,
      /another host \(db\.internal\) needs TLS: add \?sslmode=verify-full/,
    ],
    [
      'TLS that accepts any certificate',
      `postgres://wfm:${PASSWORD}@db.internal/wfm?sslmode=no-verify`,
      /sslmode=no-verify accepts any certificate/,
    ],
  ])('refuses %s, naming the variable and never the password', (_, value, problem) => {
    const message = problemsOf({ WFM_PUSH_STORE: value });
    expect(message).toMatch(/WFM_PUSH_STORE=/);
    expect(message).toMatch(problem);
    expect(message).not.toContain(PASSWORD);
  });

  it('takes plain connections on this machine, or where the URL says sslmode=disable', () => {
    for (const url of [
      `postgres://wfm:${PASSWORD}@127.0.0.1:5432/wfm`,
      `postgres://wfm:${PASSWORD}@localhost/wfm`,
      `postgres://wfm:${PASSWORD}@postgresql:5432/wfm?sslmode=disable`,
    ])
      expect(loadSharedSettings({ WFM_PUSH_STORE: url }).store).toMatchObject({ kind: 'postgres', url });
  });

  it('refuses a pool of no connections', () => {
    expect(problemsOf({ WFM_PUSH_STORE_POOL_MAX: '0' })).toMatch(/WFM_PUSH_STORE_POOL_MAX="0"/);
  });

  it('is explained by `worker --help` (generated from the schema), which shows no value from the environment', () => {
    const help = describeEnv(workerEnvSchema);
    expect(help).toMatch(/WFM_PUSH_STORE\n\s+plan and result store: file:<folder>/);
    expect(help).toMatch(/WFM_PUSH_STORE_POOL_MAX \(default 10\)/);
  });
});

describe('redactUrl', () => {
  it.each([
    [`postgres://wfm:${PASSWORD}@db:5432/wfm`, 'postgres://wfm:***@db:5432/wfm'],
    [`postgres://wfm:${PASSWORD}@h@db/wfm`, 'postgres://wfm:***@db/wfm'],
    ['postgres://db:5432/wfm', 'postgres://db:5432/wfm'],
    ['https://TOKEN@example.com/x', 'https://***@example.com/x'],
    [
      `postgres://wfm@db/wfm?password=${PASSWORD}&sslmode=require`,
      'postgres://***@db/wfm?password=***&sslmode=require',
    ],
    ['https://example.com', 'https://example.com'],
    [`wfm:${PASSWORD}@db/wfm`, '(credentials hidden)@db/wfm'],
    [`postgres://wfm:${PASSWORD}/x@db/wfm`, 'postgres://(credentials hidden)@db/wfm'],
  ])('%s → %s', (url, shown) => {
    expect(redactUrl(url)).toBe(shown);
  });
});
