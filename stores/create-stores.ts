import path from 'node:path';
import type { SharedSettings } from '../common/settings';
import { makeOwnerOnly } from '../common/atomic-file';
import { describeStore } from '../common/store-settings';
import { LocalDiffStore, type DiffStore } from './diff-store';
import { LocalPlanStore, type PlanStore } from './plan-store';
import { PostgresDatabase } from './postgres/database';
import { PostgresDiffStore } from './postgres/diff-store';
import { PostgresPlanStore } from './postgres/plan-store';
import { PostgresResultStore } from './postgres/result-store';
import { LocalResultStore, type ResultStore } from './result-store';

export interface Stores {
  plans: PlanStore;
  results: ResultStore;
  /** Per-schedule diffs of dry runs (`wfm-push diff`): what a push would do, kept apart from what pushes did. */
  diffs: DiffStore;
  /** The store as logs may show it: a folder, or the PostgreSQL URL without its password. */
  description: string;
  /**
   * Makes the store ready: PostgreSQL's schema created or migrated (idempotent; concurrent starts wait for each
   * other). The stores do it themselves before their first query; the worker calls it at start so a bad store stops
   * it at once. Returns the schema versions this call applied.
   */
  prepare(): Promise<number[]>;
  /** Closes what the stores hold open (PostgreSQL's connection pool), once the calls in flight are done. */
  close(): Promise<void>;
}

export type StoresSettings = Pick<SharedSettings, 'dataDir'> &
  Partial<Pick<SharedSettings, 'store' | 'planLimits' | 'planCacheBytes'>>;

export interface CreateStoresOptions {
  /** Told of a PostgreSQL connection lost while idle (the pool replaces it). Default: ignored. */
  onPoolError?: (err: Error) => void;
}

/**
 * The stores the settings name: `settings.store` (WFM_PUSH_STORE), else the data folder's `plans/` and `results/`.
 * Client and workers must use the same store; on several hosts that is PostgreSQL.
 */
export function createStores(settings: StoresSettings, options: CreateStoresOptions = {}): Stores {
  const store = settings.store ?? { kind: 'file', folder: settings.dataDir };
  // A stored plan also holds its planId and canonical JSON: allow it a little more than the file limit.
  const maxPlanBytes = settings.planLimits && settings.planLimits.maxPlanBytes * 2;
  if (store.kind === 'postgres') {
    const db = new PostgresDatabase({
      url: store.url,
      poolMax: store.poolMax,
      onPoolError: options.onPoolError,
    });
    return {
      plans: new PostgresPlanStore(db, { maxPlanBytes }),
      results: new PostgresResultStore(db),
      diffs: new PostgresDiffStore(db),
      description: db.name,
      prepare: () => db.prepare(),
      close: () => db.close(),
    };
  }
  const plans = new LocalPlanStore(path.join(store.folder, 'plans'), {
    cacheBytes: settings.planCacheBytes,
    maxPlanBytes,
  });
  const results = new LocalResultStore(path.join(store.folder, 'results'));
  return {
    plans,
    results,
    diffs: new LocalDiffStore(path.join(store.folder, 'diffs')),
    description: describeStore(store),
    prepare: async () => {
      // A store folder that existed before may be open to group or others: owner-only from now on.
      await makeOwnerOnly(store.folder);
      // Tenants' pushes stored before plan IDs were per tenant move to their tenant's folder.
      await results.migrateTenantPushes((ref) => plans.getTenant(ref));
      return [];
    },
    close: () => Promise.resolve(),
  };
}
