import path from 'node:path';
import { LocalPlanStore, type PlanStore } from './plan-store';
import { LocalResultStore, type ResultStore } from './result-store';

export interface Stores {
  plans: PlanStore;
  results: ResultStore;
}

/** The stores of a data folder: `<dataDir>/plans` and `<dataDir>/results`. Client and workers must share it. */
export function createStores(settings: { dataDir: string }): Stores {
  return {
    plans: new LocalPlanStore(path.join(settings.dataDir, 'plans')),
    results: new LocalResultStore(path.join(settings.dataDir, 'results')),
  };
}
