import {
  isGrpcDeadlineError,
  ServiceError,
  WorkflowFailedError,
  WorkflowNotFoundError,
  type Client,
  type WorkflowHandle,
} from '@temporalio/client';
import { sleep } from '../common/sleep';
import type { NoticeOptions } from '../model/push-notice';
import type { PushOptions } from '../model/push-options';
import type { DiffStore } from '../stores/diff-store';
import type { PlanStore } from '../stores/plan-store';
import type { ResultStore, UnreadableResult } from '../stores/result-store';
import { countAgents, type Plan } from '../model/plan';
import { BULK_PUSH_ID, bulkPushWorkflowId } from '../model/names';
import {
  buildReport,
  emptyScheduleResult,
  isDone,
  type PushReport,
  type PushState,
  type ScheduleResult,
} from '../model/report';
import type { bulkPush, BulkPushInput } from '../workflows/bulk-push';
import { pauseSignal, progressQuery, resumeSignal, type PushProgress } from '../workflows/messages';

/** The library API for schedulers: submit a validated plan, follow and steer it, read its report. */
export interface PushContext {
  client: Client;
  plans: PlanStore;
  results: ResultStore;
  /** Where dry runs (`wfm-push diff`) keep their schedule diffs. */
  diffs: DiffStore;
  taskQueue: string;
}

/** How the push runs (defaults: `PUSH_DEFAULTS`), and where it says that it ended. */
export type SubmitOptions = PushOptions & NoticeOptions;

export interface Submitted {
  handle: WorkflowHandle<typeof bulkPush>;
  /** True when the plan was already being pushed and this call attached to that push. */
  attached: boolean;
}

export class PushRefused extends Error {}

/**
 * Stores the plan and starts its bulk push. Submitting a plan whose push is running attaches to that push instead of
 * starting a second one (the workflow ID is the plan ID); the same plan ID with other content is refused.
 */
export async function submitPush(
  ctx: PushContext,
  plan: Plan,
  options: SubmitOptions = {},
): Promise<Submitted> {
  const handle = pushHandle(ctx.client, plan.planId);
  const planRef = await ctx.plans.put(plan);
  const agentsPlanned = countAgents(plan);
  // A planId names one content for good: its results, report and retries are of that content. The manifest is
  // created atomically, so of two submissions racing with one planId and different contents, one is refused.
  const bound = await ctx.results.createManifest({
    planId: plan.planId,
    planRef,
    schedules: plan.schedules.length,
    agentsPlanned,
    submittedAt: new Date().toISOString(),
  });
  if (bound && bound.planRef !== planRef) {
    throw new PushRefused(
      `plan ID ${plan.planId} was already used for other content (submitted ${bound.submittedAt}); a plan ID names one plan for good, so give this one a new planId`,
    );
  }
  if ((await stateOf(handle)) === 'running') return { handle, attached: true };
  await start(ctx, {
    planId: plan.planId,
    planRef,
    schedules: plan.schedules.length,
    agentsPlanned,
    ...options,
  });
  return { handle, attached: false };
}

/**
 * Pushes again only the schedules of a finished push that did not land (failed, or never started). Their new results
 * replace the old ones, so the plan's report becomes whole. Returns undefined when there is nothing to retry.
 */
export async function retryPush(
  ctx: PushContext,
  planId: string,
  options: SubmitOptions = {},
): Promise<Submitted | undefined> {
  const handle = pushHandle(ctx.client, planId);
  const state = await stateOf(handle);
  if (state === 'running')
    throw new PushRefused(`push ${planId} is still running; retry it once it has ended`);
  const manifest = await ctx.results.getManifest(planId);
  if (!manifest) throw new PushRefused(`no push with plan ID ${planId} in this store`);
  const plan = await ctx.plans.get(manifest.planRef);
  // An unreadable result is not a done one: its schedule is pushed again (a rebase makes that harmless).
  const { results } = await ctx.results.listResults(planId);
  const done = new Set(results.filter((r) => isDone(r.outcome)).map((r) => r.scheduleId));
  const todo = plan.schedules.filter((s) => !done.has(s.scheduleId));
  if (todo.length === 0) return undefined;
  const subset: Plan = { planId, schedules: todo };
  const planRef = await ctx.plans.put(subset);
  await start(
    ctx,
    { planId, planRef, schedules: todo.length, agentsPlanned: countAgents(subset), ...options },
    `Retry of push ${planId}`,
  );
  return { handle, attached: false };
}

async function start(
  ctx: PushContext,
  input: BulkPushInput,
  summary = `Bulk push ${input.planId}`,
): Promise<void> {
  await ctx.client.workflow.start<typeof bulkPush>('bulkPush', {
    workflowId: bulkPushWorkflowId(input.planId),
    taskQueue: ctx.taskQueue,
    args: [input],
    // Two submissions racing past the check above still make one push.
    workflowIdConflictPolicy: 'USE_EXISTING',
    typedSearchAttributes: [{ key: BULK_PUSH_ID, value: input.planId }],
    staticSummary: `${summary}: ${input.agentsPlanned} agents in ${input.schedules} schedules`,
  });
}

export function pushHandle(client: Client, planId: string): WorkflowHandle<typeof bulkPush> {
  return client.workflow.getHandle<typeof bulkPush>(bulkPushWorkflowId(planId));
}

/** The push's state as Temporal knows it; undefined when there is no such push. */
export async function stateOf(handle: Pick<WorkflowHandle, 'describe'>): Promise<PushState | undefined> {
  try {
    const { status } = await handle.describe();
    const states: Record<string, PushState> = {
      RUNNING: 'running',
      COMPLETED: 'completed',
      CANCELLED: 'cancelled',
      TERMINATED: 'terminated',
      TIMED_OUT: 'timed-out',
      // A run that continued as new is followed by another; describe() of the ID shows the latest.
      CONTINUED_AS_NEW: 'running',
    };
    return states[status.name] ?? 'failed';
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
}

/**
 * What a report is built from: the push's state, its plan and its stored results; undefined when Temporal or this
 * store does not know the push.
 */
export async function loadPushRecord(ctx: Omit<PushContext, 'taskQueue'>, planId: string) {
  const [state, manifest] = await Promise.all([
    stateOf(pushHandle(ctx.client, planId)),
    ctx.results.getManifest(planId),
  ]);
  if (!state || !manifest) return undefined;
  const plan = await ctx.plans.get(manifest.planRef);
  return { state, plan, ...(await ctx.results.listResults(planId)) };
}

/** The report of a push, whatever its state: one line per planned schedule once it has ended. */
export async function pushReport(
  ctx: Omit<PushContext, 'taskQueue'>,
  planId: string,
): Promise<PushReport | undefined> {
  const record = await loadPushRecord(ctx, planId);
  if (!record) return undefined;
  const { state, plan, results, unreadable } = record;
  const planned = plan.schedules.map((s) => ({ scheduleId: s.scheduleId, agents: s.agents.length }));
  return buildReport(planId, state, planned, [...results, ...unreadable.map(unreadableResult(planned))]);
}

/** A damaged result file becomes a failed line that names the file: the schedule counts as not done. */
function unreadableResult(planned: ReadonlyArray<{ scheduleId: string; agents: number }>) {
  return ({ scheduleId, file, reason }: UnreadableResult): ScheduleResult => ({
    ...emptyScheduleResult(scheduleId, planned.find((p) => p.scheduleId === scheduleId)?.agents ?? 0),
    failure: {
      type: 'ResultUnreadable',
      message: `its stored result ${file} ${reason}; \`wfm-push retry\` pushes the schedule again`,
    },
  });
}

/** How long a progress query may wait for a worker to answer. */
const PROGRESS_QUERY_DEADLINE_MS = 3_000;

/**
 * Progress of a running push; undefined when no worker answers the query within a few seconds. Any other failure
 * (authentication, a lost connection, no such push) is thrown: it is not the same as a missing worker.
 */
export async function pushProgress(client: Client, planId: string): Promise<PushProgress | undefined> {
  // Without a deadline a query waits as long as no worker polls, and the caller shows nothing meanwhile.
  const deadline = Date.now() + PROGRESS_QUERY_DEADLINE_MS;
  try {
    return await client.withDeadline(deadline, () => pushHandle(client, planId).query(progressQuery));
  } catch (err) {
    // The server reports the deadline in more than one way ("Failed to query Workflow" wrapping it, or the gRPC
    // status itself); a failure that arrives only once our deadline has passed is that deadline.
    if (isDeadline(err) || Date.now() >= deadline) return undefined;
    throw err;
  }
}

/**
 * A query no worker answered: gRPC DEADLINE_EXCEEDED (4), or CANCELLED (1), which the server answers when the worker
 * that took the query went away (killed mid-push). Anywhere in the cause chain, with or without gRPC metadata.
 */
function isDeadline(err: unknown): boolean {
  if (isGrpcDeadlineError(err)) return true;
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    const code = (e as { code?: unknown }).code;
    if (code === 4 || code === 1) return true;
  }
  return false;
}

/**
 * Follows the push until it ends, calling `onProgress` about every `intervalMs` (with undefined while no worker
 * answers the progress query), then returns its report.
 */
export async function waitForReport(
  ctx: Omit<PushContext, 'taskQueue'>,
  planId: string,
  onProgress: (p: PushProgress | undefined) => void = () => {},
  intervalMs = 1000,
): Promise<PushReport> {
  let ended = false;
  const result = untilEnded(pushHandle(ctx.client, planId));
  // Its failure (not a lost connection) ends the loop below by rejecting the race.
  result.then(
    () => (ended = true),
    () => (ended = true),
  );
  // The pause between progress queries ends with the push: a timer left running would hold the process up to a second.
  const pauses = new AbortController();
  try {
    while (!ended) {
      const progress = await pushProgress(ctx.client, planId);
      onProgress(progress);
      await Promise.race([result, sleep(intervalMs, pauses.signal).catch(() => undefined)]);
    }
  } finally {
    pauses.abort();
  }
  const report = await pushReport(ctx, planId);
  if (!report) throw new Error(`push ${planId} ended but has no manifest in this store`);
  return report;
}

/**
 * Resolves when the push has ended, however it ended: result() follows continue-as-new to the last run, and a
 * cancelled or failed push still has a report. A lost connection (the server restarting) is no end: ask again.
 */
async function untilEnded(handle: WorkflowHandle<typeof bulkPush>): Promise<void> {
  for (;;) {
    try {
      await handle.result();
      return;
    } catch (err) {
      if (err instanceof WorkflowFailedError || err instanceof WorkflowNotFoundError) return;
      if (!(err instanceof ServiceError)) throw err;
      await sleep(1000);
    }
  }
}

export async function pausePush(client: Client, planId: string): Promise<void> {
  await pushHandle(client, planId).signal(pauseSignal);
}

export async function resumePush(client: Client, planId: string): Promise<void> {
  await pushHandle(client, planId).signal(resumeSignal);
}

/** Stops starting schedules; those in flight finish and record their results; the rest are reported as not started. */
export async function cancelPush(client: Client, planId: string): Promise<void> {
  await pushHandle(client, planId).cancel();
}
