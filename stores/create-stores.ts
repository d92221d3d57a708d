import path from 'node:path';
import type { SharedSettings } from '../common/settings';
import { LocalPlanStore, type PlanStore } from './plan-store';
import { LocalResultStore, type ResultStore } from './result-store';

export interface Stores {
  plans: PlanStore;
  results: ResultStore;
}

/** The stores of a data folder: `<dataDir>/plans` and `<dataDir>/results`. Client and workers must share it. */
export function createStores(
  settings: Pick<SharedSettings, 'dataDir'> & Partial<Pick<SharedSettings, 'planLimits' | 'planCacheBytes'>>,
): Stores {
  return {
    plans: new LocalPlanStore(path.join(settings.dataDir, 'plans'), {
      cacheBytes: settings.planCacheBytes,
      // A stored plan also holds its planId and canonical JSON: allow it a little more than the file limit.
      maxPlanBytes: settings.planLimits && settings.planLimits.maxPlanBytes * 2,
    }),
    results: new LocalResultStore(path.join(settings.dataDir, 'results')),
  };
}
