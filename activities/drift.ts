import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { maskHas, maskWith } from '../model/agent-mask';
import {
  emptyDriftPage,
  repairPlanId,
  type DriftedAgent,
  type DriftPage,
  type ScheduleDrift,
} from '../model/drift';
import { isValidId } from '../model/ids';
import { countAgents, type Plan } from '../model/plan';
import { isDone } from '../model/report';
import type { PlanRef, PlanStore } from '../stores/plan-store';
import { pushKeyOf, type ResultStore } from '../stores/result-store';
import { scheduleTargetOf, type WfmCall, type WfmPort } from '../wfm/port';
import { rebase } from '../wfm/rebase';
import { FailureType } from '../model/failures';
import { HEARTBEAT_EVERY_MS } from '../model/timeouts';

/** Repairs of one plan before the numbering gives up (a runaway loop, not a real need). */
const MAX_REPAIRS = 10_000;

/** The failures a drift check's activities end with (the list is in model/failures.ts). */
export const DriftFailure = {
  UnknownPlan: FailureType.UnknownPlan,
  InvalidPlanId: FailureType.InvalidPlanId,
  TooManyRepairs: FailureType.TooManyRepairs,
} as const;

/** The part of a pushed plan a drift check reads: the schedules the push landed. */
export interface DriftCheckPlan {
  /** A stored plan holding only the landed schedules (content-addressed, so checking again reuses it). */
  planRef: PlanRef;
  schedules: number;
  schedulesNotLanded: number;
}

/**
 * The schedules of a push that hold its plan by its last report (landed or already in place). Others never held the
 * plan, so they cannot have drifted from it: `wfm-push retry` is what pushes them.
 */
export async function prepareDriftCheck(
  { plans, results }: { plans: PlanStore; results: ResultStore },
  input: { planId: string; tenant?: string },
): Promise<DriftCheckPlan> {
  // A check that names no tenant (scheduled before plan IDs were per tenant) is of the one push with this plan ID.
  const tenants = input.tenant === undefined ? await results.tenantsOf(input.planId) : [input.tenant];
  if (tenants.length > 1)
    throw ApplicationFailure.nonRetryable(
      `plan ID ${input.planId} names pushes of several tenants (${tenants.map((t) => t ?? '(none)').join(', ')}); the check must name its tenant`,
      DriftFailure.UnknownPlan,
    );
  const key = pushKeyOf({ planId: input.planId, tenant: tenants[0] });
  const manifest = await results.getManifest(key);
  if (!manifest)
    throw ApplicationFailure.nonRetryable(
      `no push with plan ID ${input.planId}${key.tenant === undefined ? '' : ` of tenant ${key.tenant}`} in this data folder`,
      DriftFailure.UnknownPlan,
    );
  const plan = await plans.get(manifest.planRef);
  const done = new Set(
    (await results.listResults(key)).results.filter((r) => isDone(r.outcome)).map((r) => r.scheduleId),
  );
  const landed = plan.schedules.filter((s) => done.has(s.scheduleId));
  // An empty plan is not a valid plan: with nothing landed there is nothing to store or read.
  const planRef =
    landed.length > 0
      ? await plans.put({ planId: plan.planId, tenant: plan.tenant, schedules: landed })
      : manifest.planRef;
  return { planRef, schedules: landed.length, schedulesNotLanded: plan.schedules.length - landed.length };
}

/**
 * Reads a page of schedules through the WFM port (paced by the worker's rate control like any push) and names the
 * planned agents whose live shifts differ from the plan: what a rebase would write now. Writes nothing. A schedule
 * the WFM refuses is reported, not retried; a passing failure retries the activity, which resumes after the last
 * schedule it finished (heartbeat details).
 */
export async function checkDrift(
  {
    wfm,
    wfmFor = () => wfm,
    plans,
  }: { wfm: WfmPort; wfmFor?: (tenant: string | undefined) => WfmPort; plans: PlanStore },
  input: {
    planRef: PlanRef;
    offset: number;
    limit: number;
    /** How many drifted agents to name (by ID; the report's room left), and how many of those with live shifts. */
    listFor?: number;
    liveShiftsFor: number;
  },
): Promise<DriftPage> {
  const ctx = Context.current();
  const resumed = ctx.info.heartbeatDetails as { next: number; page: DriftPage } | undefined;
  const page = resumed?.page ?? emptyDriftPage();
  // One page, not the whole plan: a PostgreSQL store reads it with one indexed query.
  const schedules = await plans.getSchedules(input.planRef, input.offset, input.limit);
  // The plan's tenant picks the WFM: its own adapter, tokens and rate control.
  const wfmOfPlan = wfmFor(await plans.getTenant(input.planRef));
  const call: WfmCall = { signal: ctx.cancellationSignal, counts: { requests: 0, rateLimited: 0 } };
  let next = resumed?.next ?? 0;
  let listed = page.drifted.filter((d) => d.liveShifts).length;
  const progress = () => ({
    next,
    page: { ...page, requests: page.requests + (call.counts?.requests ?? 0) },
  });
  const beat = setInterval(() => ctx.heartbeat(progress()), HEARTBEAT_EVERY_MS);
  try {
    for (; next < schedules.length; next++) {
      const planned = schedules[next];
      if (!planned) continue;
      try {
        const live = await wfmOfPlan.readSchedule(scheduleTargetOf(planned), call);
        // Drift is every planned agent that no longer holds the plan, whatever its basedOn says: plan-wins lists them
        // all as changes (whether a repair overwrites them is the repair push's policy).
        const { changes } = rebase(live.agents, planned.agents, 'plan-wins');
        const drifted = new Set(changes.map((c) => c.agentId));
        if (drifted.size > 0) {
          page.agentsDrifted = (page.agentsDrifted ?? 0) + drifted.size;
          const indexes = planned.agents.flatMap((a, i) => (drifted.has(a.agentId) ? [i] : []));
          (page.driftMasks ??= []).push({ scheduleId: planned.scheduleId, mask: maskWith('', indexes) });
        }
        for (const { agentId } of changes) {
          if (page.drifted.length >= (input.listFor ?? Infinity)) break;
          const agent: DriftedAgent = { scheduleId: planned.scheduleId, agentId };
          if (listed < input.liveShiftsFor) {
            listed++;
            agent.liveShifts = live.agents.find((a) => a.agentId === agentId)?.shifts ?? [];
          }
          page.drifted.push(agent);
        }
        page.agentsChecked += planned.agents.length;
      } catch (err) {
        if (!(err instanceof ApplicationFailure) || !err.nonRetryable) throw err;
        page.unreadable.push({
          scheduleId: planned.scheduleId,
          failure: { type: err.type ?? 'Error', message: err.message },
        });
      }
      page.schedulesChecked++;
    }
    return progress().page;
  } catch (err) {
    ctx.heartbeat(progress());
    throw err;
  } finally {
    clearInterval(beat);
  }
}

/** The repair push's plan: only the drifted agents, each exactly as the original plan names it. */
export interface RepairPlan {
  planId: string;
  /** The pushed plan's tenant, when it names one: the repair is that tenant's push. */
  tenant?: string;
  planRef: PlanRef;
  schedules: number;
  agentsPlanned: number;
}

/**
 * Stores the derived plan of a repair: the drifted agents' entries copied from the pushed plan (so whatever else the
 * plan says about an agent, such as what it was based on, goes along), under the next free `<planId>-repair-<n>`.
 */
export async function storeRepairPlan(
  { plans, results }: { plans: PlanStore; results: ResultStore },
  input: {
    planRef: PlanRef;
    drifted: ScheduleDrift[];
    /** Drifted agents by ID, from pages read before masks existed (a check that spanned a deploy). */
    named?: Array<{ scheduleId: string; agentId: string }>;
  },
): Promise<RepairPlan> {
  const pushed = await plans.get(input.planRef);
  const wanted = new Map(input.drifted.map((d) => [d.scheduleId, d.mask]));
  const named = new Set((input.named ?? []).map((a) => `${a.scheduleId}/${a.agentId}`));
  const schedules = pushed.schedules.flatMap((s) => {
    const agents = s.agents.filter(
      (a, i) => maskHas(wanted.get(s.scheduleId), i) || named.has(`${s.scheduleId}/${a.agentId}`),
    );
    return agents.length > 0 ? [{ ...s, agents }] : [];
  });
  for (let n = 1; n <= MAX_REPAIRS; n++) {
    const planId = repairPlanId(pushed.planId, n);
    if (!isValidId(planId))
      throw ApplicationFailure.nonRetryable(
        `the repair plan ID ${planId} is longer than an ID may be; give the plan a shorter planId`,
        DriftFailure.InvalidPlanId,
      );
    const plan: Plan = { planId, tenant: pushed.tenant, schedules };
    const planRef = await plans.put(plan);
    const agentsPlanned = countAgents(plan);
    // Created atomically: two repairs racing for one number cannot both take it.
    const taken = await results.createManifest({
      planId,
      ...(pushed.tenant === undefined ? {} : { tenant: pushed.tenant }),
      planRef,
      schedules: schedules.length,
      agentsPlanned,
      submittedAt: new Date().toISOString(),
    });
    // The same content under a number already taken: this activity's own earlier attempt (or an earlier repair of the
    // very same agents, long finished). Pushing it again under that number is harmless: a rebase writes what differs.
    if (!taken || taken.planRef === planRef)
      return {
        planId,
        ...(pushed.tenant === undefined ? {} : { tenant: pushed.tenant }),
        planRef,
        schedules: schedules.length,
        agentsPlanned,
      };
  }
  throw ApplicationFailure.nonRetryable(
    `plan ${pushed.planId} has ${MAX_REPAIRS} repairs already`,
    DriftFailure.TooManyRepairs,
  );
}
