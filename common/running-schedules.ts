import type { Client } from '@temporalio/client';
import { runningSchedulePushesQuery, SCHEDULE_ID, TENANT } from '../model/names';

/**
 * The schedules of a push whose workflows still run: after a cancel, those it had in flight finish on their own and
 * record what they became. One visibility query (at most a window's worth of workflows). Read it before the push's
 * results: a schedule that ends in between has stored its result by then. Where visibility cannot answer (search
 * attributes not registered), none: the report then calls them not started, as it did before.
 */
export async function schedulesStillRunning(
  client: Client,
  planId: string,
  tenant?: string,
): Promise<Set<string>> {
  const found = new Set<string>();
  try {
    for await (const run of client.workflow.list({ query: runningSchedulePushesQuery(planId, tenant) })) {
      // Another tenant's push of the same plan ID is not this one's.
      if (run.typedSearchAttributes.get(TENANT) !== tenant) continue;
      const scheduleId = run.typedSearchAttributes.get(SCHEDULE_ID);
      if (scheduleId) found.add(scheduleId);
    }
  } catch {
    return new Set();
  }
  return found;
}
