/**
 * What a push does with an agent someone edited after the plan was computed (its live shifts, or Genesys version,
 * differ from the plan's `basedOn`): overwrite it anyway, leave their edit and report it, or fail that agent.
 */
export const NEWER_EDIT_POLICIES = ['plan-wins', 'keep-theirs', 'fail'] as const;
export type NewerEditPolicy = (typeof NEWER_EDIT_POLICIES)[number];

/** How a push runs, as chosen at submission; every field optional, with the defaults below. */
export interface PushOptions {
  /** Children in flight at once, 1..500 (Temporal's pending-children budget is 2,000). */
  maxInFlight?: number;
  /** Consecutive version conflicts one schedule may meet before it fails with reason `Contention`, 1..1000. */
  conflictBudget?: number;
  /** Children per run before the push continues as new (about 3,000 history events per 500). */
  maxChildrenPerRun?: number;
  /** Agents whose `basedOn` no longer matches the live agent (see NEWER_EDIT_POLICIES); agents without it are pushed. */
  onNewerEdit?: NewerEditPolicy;
  /**
   * Take over every schedule another push (of a plan submitted earlier) is still working on, instead of waiting for
   * it: the older push stops there at its next safe point and reports the schedule `superseded`. Default false.
   */
  supersede?: boolean;
}

/** The one place the defaults are written: the workflows apply them, the CLI shows them in `--help`. */
export const PUSH_DEFAULTS: Required<PushOptions> = {
  maxInFlight: 50,
  conflictBudget: 20,
  maxChildrenPerRun: 500,
  // A person edited the agent after planning, on purpose and with knowledge the engine lacked: the push never
  // clobbers another writer's edit (docs/design.md) unless told to; the report lists each kept agent with its live shifts.
  onNewerEdit: 'keep-theirs',
  // A re-plan waits for the push before it unless asked: taking over is the scheduler's decision.
  supersede: false,
};
