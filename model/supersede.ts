/**
 * Intraday re-plans: a push may take over the schedules an older push is still working on (`--supersede`, or the
 * plan's `supersedes`). The rule lives here, pure, so the schedule workflow that is asked to stop, the push that asks
 * and the activities that carry the asking all judge the same way.
 */

/** Who a push is, as another push judges it. */
export interface PushIdentity {
  planId: string;
  /** When the push's first run started (its workflow chain), in ms since the epoch: "newer" means later. */
  submittedAtMs: number;
  /** `--supersede`: takes over from any push of an earlier-submitted plan. */
  supersede?: boolean;
  /** The plan's `supersedes`: takes over from that plan's push only. */
  supersedes?: string;
  /** The plan's tenant (WFM_TENANTS_FILE): a push only ever takes over from pushes into the same WFM. */
  tenant?: string;
}

/** A push that takes schedules over, with its plan (to tell which schedules it names). */
export interface SupersedingPlan extends PushIdentity {
  planRef: string;
}

/** What a schedule workflow answers when a newer push asks it to stop. */
export interface SupersedeAnswer {
  /** It stops at its next safe point (after the sync in flight, whose writes are confirmed). */
  stopping: true;
  planId: string;
}

/** The message names, shared by the workflows (definitions) and the activities (which send them by name). */
export const SUPERSEDE_MESSAGES = {
  /** Query on a schedule workflow: its push's identity. */
  scheduleHolder: 'holder',
  /** Update on a schedule workflow: a newer push asks it to stop (validated: refused unless it supersedes). */
  supersedeSchedule: 'supersede',
  /** Query on a bulk push: its identity (and its plan, once stored). */
  pushIdentity: 'identity',
  /** Update on a bulk push: a newer push says it takes over the schedules its plan names. */
  supersedePush: 'supersedePush',
} as const;

/**
 * Whether `newer` takes over from `older`: never a push from itself; only when asked (`supersede`, or `supersedes`
 * naming the older plan); and only a plan submitted later (ties broken by plan ID), so that of two pushes racing each
 * other the newest plan ends in place whichever asks first.
 */
export function supersedes(newer: PushIdentity, older: PushIdentity): boolean {
  if (newer.planId === older.planId) return false;
  // Two tenants' schedules with one ID are two schedules in two organisations: neither takes the other over.
  if ((newer.tenant ?? null) !== (older.tenant ?? null)) return false;
  if (newer.supersede !== true && newer.supersedes !== older.planId) return false;
  return (
    newer.submittedAtMs > older.submittedAtMs ||
    (newer.submittedAtMs === older.submittedAtMs && newer.planId > older.planId)
  );
}
