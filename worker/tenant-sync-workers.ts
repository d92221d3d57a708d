import { Worker, type WorkerOptions } from '@temporalio/worker';
import type { Logger } from '../common/logger';
import { tenantSyncTaskQueueFor } from '../model/names';
import type { TenantSettings } from '../wfm/tenants';

export interface TenantSyncWorkersOptions {
  /** The workflows' task queue: each tenant's syncs run on `tenantSyncTaskQueueFor(taskQueue, tenant)`. */
  taskQueue: string;
  /** What every tenant's worker shares with the HTTP worker: connection, namespace, activities, interceptors… */
  base: Omit<
    WorkerOptions,
    'taskQueue' | 'maxConcurrentActivityTaskExecutions' | 'maxTaskQueueActivitiesPerSecond'
  >;
  /** Syncs of one tenant in flight at once on this worker, unless it sets `maxSyncs` (WFM_TENANT_MAX_SYNCS). */
  defaultMaxSyncs: number;
  logger: Logger;
}

/** Long polls each tenant's worker keeps open for its queue. */
const TENANT_POLLS = 2;

/** What a tenant's worker is created with, and cannot change while it runs. */
interface Slots {
  maxSyncs: number;
  /** With a ceiling on the tenant's rate, its queue admits syncs at half of it across every worker (as the HTTP queue). */
  syncsPerSecond?: number;
}

interface Running extends Slots {
  worker: Worker;
  run: Promise<void>;
}

/**
 * One activity-only worker per tenant, on the tenant's own task queue, with slots of its own: a tenant's syncs waiting
 * out its 429 storm fill only its own slots and queue up on the server (holding nothing of the worker), while another
 * tenant's syncs run in theirs. All on the process's one connection. A reload adds a worker for an added tenant and
 * replaces one whose `maxSyncs` changed (a worker's slot count is fixed at its creation: the old one stops, then the
 * new one starts); a removed tenant's worker keeps polling, so that syncs already routed to its queue end (with
 * `UnknownTenant`) instead of waiting for ever.
 */
export class TenantSyncWorkers {
  private readonly running = new Map<string, Running>();
  private stopped = false;
  private failWith: (err: unknown) => void = () => undefined;
  /** Rejects when a tenant's worker fails (never resolves): the process's workers end with it. */
  readonly failure = new Promise<never>((_, reject) => {
    this.failWith = reject;
  });

  constructor(private readonly options: TenantSyncWorkersOptions) {
    // Observed by whoever races it; without a handler here a failure after shutdown would be unhandled.
    this.failure.catch(() => undefined);
  }

  /**
   * Runs a worker for every tenant of `tenants` that has none yet, and replaces one whose slots changed (`maxSyncs`,
   * or its rate ceiling). Returns the tenants whose slots changed.
   */
  async apply(tenants: TenantSettings): Promise<{ resized: string[] }> {
    const resized: string[] = [];
    for (const [tenant, settings] of tenants) {
      if (this.stopped) break;
      const slots: Slots = {
        maxSyncs: settings.maxSyncs ?? this.options.defaultMaxSyncs,
        syncsPerSecond:
          settings.rateLimitPerSecond === undefined ? undefined : settings.rateLimitPerSecond / 2,
      };
      const current = this.running.get(tenant);
      if (current?.maxSyncs === slots.maxSyncs && current.syncsPerSecond === slots.syncsPerSecond) continue;
      if (current) {
        // One worker per queue in a process (the SDK refuses a second): the old one stops first, letting its syncs end
        // (those cancelled by the stop are retried, on the new one); syncs meanwhile wait in the queue.
        resized.push(tenant);
        this.running.delete(tenant);
        if (current.worker.getState() === 'RUNNING') current.worker.shutdown();
        await current.run;
      }
      const next = await this.start(tenant, slots);
      if (this.stopped) {
        // Shut down while it was being created: it stops at once.
        if (next.worker.getState() === 'RUNNING') next.worker.shutdown();
        await next.run;
        break;
      }
      this.running.set(tenant, next);
    }
    return { resized };
  }

  /** The slots each tenant's worker has (tests and logs). */
  slots(): Record<string, number> {
    return Object.fromEntries([...this.running].map(([tenant, r]) => [tenant, r.maxSyncs]));
  }

  /** Stops every tenant's worker and waits for them. */
  async shutdown(): Promise<void> {
    this.stopped = true;
    for (const { worker } of this.running.values()) if (worker.getState() === 'RUNNING') worker.shutdown();
    await Promise.allSettled([...this.running.values()].map((r) => r.run));
  }

  private async start(tenant: string, slots: Slots): Promise<Running> {
    const { base, taskQueue, logger } = this.options;
    const worker = await Worker.create({
      ...base,
      taskQueue: tenantSyncTaskQueueFor(taskQueue, tenant),
      maxConcurrentActivityTaskExecutions: slots.maxSyncs,
      // Each tenant's worker holds long polls open on the server: two per tenant (not the SDK's ten) keep its slots
      // filled, since a sync takes seconds, while a worker serving a hundred tenants holds 200 polls, not 1,000.
      maxConcurrentActivityTaskPolls: Math.min(TENANT_POLLS, slots.maxSyncs),
      maxTaskQueueActivitiesPerSecond: slots.syncsPerSecond,
    });
    const run = worker.run().catch((err: unknown) => {
      logger.error("a tenant's sync worker failed; the worker stops", {
        tenant,
        err: err instanceof Error ? err.message : String(err),
      });
      this.failWith(err);
    });
    return { worker, ...slots, run };
  }
}
