import { Client as PgClient } from 'pg';
import { createStores } from '../../stores/create-stores';
import { PostgresDatabase } from '../../stores/postgres/database';
import { MIGRATIONS, SCHEMA } from '../../stores/postgres/migrations';
import { startStoreCluster, type StoreCluster } from '../support/postgres-store';
import { waitUntil } from '../support/wait-until';

/** What only the PostgreSQL store has: a versioned schema, a bounded pool, and a URL that holds a password. */
describe('the PostgreSQL store', () => {
  let cluster: StoreCluster;
  const closers: Array<() => Promise<void>> = [];
  beforeAll(async () => {
    cluster = await startStoreCluster();
  });
  afterEach(async () => {
    await Promise.all(closers.splice(0).map((close) => close()));
  });
  afterAll(() => cluster.stop());

  async function admin(url: string): Promise<PgClient> {
    const client = new PgClient({ connectionString: url });
    await client.connect();
    closers.push(() => client.end());
    return client;
  }

  function database(url: string, options: Partial<ConstructorParameters<typeof PostgresDatabase>[0]> = {}) {
    const db = new PostgresDatabase({ url, poolMax: 3, ...options });
    closers.push(() => db.close());
    return db;
  }

  it('creates its schema once when eight processes start at once, each step applied by exactly one', async () => {
    const url = await cluster.freshStoreUrl('concurrent');
    // A second step that counts how often it runs: were two starts to apply it, the probe would hold two rows.
    const probe = MIGRATIONS.length + 1;
    const migrations = [
      ...MIGRATIONS,
      {
        version: probe,
        description: 'probe',
        sql: `CREATE TABLE ${SCHEMA}.probe (n integer); INSERT INTO ${SCHEMA}.probe VALUES (1);`,
      },
    ];
    const applied = await Promise.all(
      Array.from({ length: 8 }, () => database(url, { migrations }).prepare()),
    );
    const all = [...MIGRATIONS.map((m) => m.version), probe];
    expect(applied.filter((a) => a.length > 0)).toEqual([all]);
    const client = await admin(url);
    expect((await client.query(`SELECT count(*)::int AS n FROM ${SCHEMA}.probe`)).rows[0].n).toBe(1);
    expect(
      (await client.query(`SELECT version FROM ${SCHEMA}.schema_migrations ORDER BY version`)).rows,
    ).toEqual(all.map((version) => ({ version })));
    // Idempotent: a later start, and the stores' own first use, apply nothing.
    expect(await database(url, { migrations }).prepare()).toEqual([]);
  });

  it('migrates an older schema to the newest, and refuses one newer than it knows', async () => {
    const url = await cluster.freshStoreUrl('versions');
    expect(await database(url, { migrations: [] }).prepare()).toEqual([]);
    expect(await database(url).prepare()).toEqual(MIGRATIONS.map((m) => m.version));
    const client = await admin(url);
    await client.query(
      `INSERT INTO ${SCHEMA}.schema_migrations (version, description) VALUES (99, 'from the future')`,
    );
    await expect(database(url).prepare()).rejects.toThrow(
      new RegExp(`schema is at version 99, newer than this wfm-push knows \\(${MIGRATIONS.length}\\)`),
    );
  });

  it('holds no more connections than its pool allows, and none once closed', async () => {
    const url = await cluster.freshStoreUrl('pool');
    const db = database(url, { poolMax: 2 });
    const client = await admin(url);
    const connections = async () =>
      (
        await client.query(
          `SELECT count(*)::int AS n FROM pg_stat_activity
           WHERE application_name = 'wfm-push' AND datname = current_database()`,
        )
      ).rows[0].n as number;
    // Ten queries of 0.2 s through a pool of two: watch the connections until the last query is answered.
    let answered = false;
    const slow = Promise.all(Array.from({ length: 10 }, () => db.query('SELECT pg_sleep(0.2)'))).finally(
      () => {
        answered = true;
      },
    );
    const seen: number[] = [];
    while (!answered) seen.push(await connections());
    await slow;
    expect(Math.max(...seen)).toBe(2);
    await db.close();
    // A server process ends a moment after its client hangs up.
    await waitUntil('the pool has hung up', async () => (await connections()) === 0, 10_000);
  });

  it('names the store without its password when it cannot be used', async () => {
    const url = await cluster.freshStoreUrl('badpass');
    const wrong = url.replace(`:${encodeURIComponent(cluster.postgres.password)}@`, ':not-the-password-x7@');
    expect(wrong).not.toBe(url);
    const stores = createStores({
      dataDir: '/nonexistent',
      store: { kind: 'postgres', url: wrong, poolMax: 1 },
    });
    closers.push(() => stores.close());
    const failure = await stores.results.getManifest({ planId: 'p' }).then(
      () => undefined,
      (err: unknown) => err as Error,
    );
    expect(failure?.message).toMatch(
      /the PostgreSQL store postgres:\/\/wfm_push:\*\*\*@127\.0\.0\.1:\d+\/badpass_\w+ is not usable: password authentication failed/,
    );
    expect(`${failure?.message} ${failure?.stack}`).not.toContain('not-the-password-x7');
    expect(stores.description).not.toContain('not-the-password-x7');

    const unreachable = createStores({
      dataDir: '/nonexistent',
      store: { kind: 'postgres', url: `postgres://wfm_push:secret-x7@127.0.0.1:1/db`, poolMax: 1 },
    });
    closers.push(() => unreachable.close());
    await expect(unreachable.prepare()).rejects.toThrow(
      /the PostgreSQL store postgres:\/\/wfm_push:\*\*\*@127\.0\.0\.1:1\/db is not usable: connect ECONNREFUSED/,
    );
  });
});
