/** How a push runs, as chosen at submission; every field optional, with the defaults below. */
export interface PushOptions {
  /** Children in flight at once, 1..500 (Temporal's pending-children budget is 2,000). */
  maxInFlight?: number;
  /** Consecutive version conflicts one schedule may meet before it fails with reason `Contention`, 1..1000. */
  conflictBudget?: number;
  /** Children per run before the push continues as new (about 3,000 history events per 500). */
  maxChildrenPerRun?: number;
}

/** The one place the defaults are written: the workflows apply them, the CLI shows them in `--help`. */
export const PUSH_DEFAULTS: Required<PushOptions> = {
  maxInFlight: 50,
  conflictBudget: 20,
  maxChildrenPerRun: 500,
};
