import { randomUUID } from 'node:crypto';
import { startThrowawayPostgres, type ThrowawayPostgres } from '../infra/postgres';
import type { StoreSettings } from '../../common/store-settings';

/** A throwaway PostgreSQL cluster for store tests: each `freshStoreUrl()` is an empty database of its own. */
export interface StoreCluster {
  postgres: ThrowawayPostgres;
  /** A new empty database's `postgres://` URL (WFM_PUSH_STORE form); `name` makes it easy to find in the log. */
  freshStoreUrl(name?: string): Promise<string>;
  /** The same, as store settings for `createStores`. */
  freshStore(name?: string, poolMax?: number): Promise<Extract<StoreSettings, { kind: 'postgres' }>>;
  stop(): Promise<void>;
}

/**
 * Starts a throwaway cluster (one per test file: it takes a few seconds; a database per test is cheap). Stop it in
 * `afterAll` with `await`.
 */
export async function startStoreCluster(): Promise<StoreCluster> {
  // Under the system temp folder, not the run's (owner-only) test folder: the server runs as `postgres` when this is
  // root.
  const postgres = await startThrowawayPostgres();
  return { ...storesOn(postgres), stop: () => postgres.stop() };
}

/**
 * Fresh stores on a cluster started elsewhere (e.g. the one a Temporal cluster already runs on); stopping it stays
 * with whoever started it.
 */
export function storesOn(postgres: ThrowawayPostgres): Omit<StoreCluster, 'stop'> {
  const freshStoreUrl = async (name = 'store') => {
    const database = `${name.replace(/[^a-z0-9_]/gi, '_').toLowerCase()}_${randomUUID().slice(0, 8)}`;
    await postgres.createDatabase(database);
    return postgres.url(database);
  };
  return {
    postgres,
    freshStoreUrl,
    freshStore: async (name, poolMax = 10) => ({ kind: 'postgres', url: await freshStoreUrl(name), poolMax }),
  };
}
