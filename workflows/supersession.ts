import { setHandler, workflowInfo } from '@temporalio/workflow';
import { supersedes, type PushIdentity, type SupersedingPlan } from '../model/supersede';
import { pushIdentityQuery, supersedePushUpdate } from './messages';

/** What a bulk push's start says of superseding, read before the start is checked (only to judge, never to write). */
interface SupersedeStart {
  supersede?: unknown;
  supersedes?: unknown;
  plan?: { supersedes?: unknown };
  carried?: { supersededBy?: SupersedingPlan[] };
}

/**
 * A bulk push's side of intraday re-plans (model/supersede.ts): who it is to other pushes, and the newer plans that
 * took it over, whose schedules it leaves to them. Carried across continue-as-new.
 */
export class Supersession {
  me: PushIdentity;
  planRef: string | undefined;
  private readonly newer: SupersedingPlan[];

  /** Registers the query and the update at once: a newer push may ask while this one still checks its start. */
  constructor(planId: string, start: SupersedeStart) {
    const named = start.supersedes ?? start.plan?.supersedes;
    this.me = {
      planId,
      // The chain's first run: the same in every run after continue-as-new.
      submittedAtMs: workflowInfo().startTime.getTime(),
      supersede: start.supersede === true,
      ...(typeof named === 'string' ? { supersedes: named } : {}),
    };
    this.newer = [...(start.carried?.supersededBy ?? [])];
    setHandler(pushIdentityQuery, () => ({ ...this.me, planRef: this.planRef }));
    const add = (by: SupersedingPlan) => {
      this.add(by);
      return { planId };
    };
    setHandler(supersedePushUpdate, add, {
      validator: (by) => {
        if (!supersedes(by, this.me))
          throw new Error(`plan ${by.planId} does not supersede plan ${planId} (see model/supersede.ts)`);
      },
    });
  }

  /** A newer plan takes this push over (for the schedules it names). */
  add(by: SupersedingPlan): void {
    if (!this.newer.some((p) => p.planId === by.planId)) this.newer.push(by);
  }

  /** Does this push take schedules over from others, so that it tells them first? */
  /** The stored plan's tenant, once the start's check has read it (before the push judges or is judged). */
  set tenant(tenant: string | undefined) {
    if (tenant !== undefined) this.me = { ...this.me, tenant };
  }

  get takesOver(): boolean {
    return this.me.supersede === true || this.me.supersedes !== undefined;
  }

  /** The newer plans that took this push over. */
  get supersededBy(): SupersedingPlan[] {
    return this.newer;
  }

  /** This push as a claimant of a schedule another push holds. */
  claimant(planRef: string): SupersedingPlan {
    return { ...this.me, planRef };
  }
}
