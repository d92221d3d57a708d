import { z } from 'zod';
import { envInt, parseEnv, type Env } from '../common/env';
import { sharedEnvSchema, sharedSettingsFrom, type SharedSettings } from '../common/settings';
import { wfmEnvSchema, wfmSettingsFrom, type WfmSettings } from '../wfm/settings';
import { defaultBuildId } from './build-id';
import { loadTenantSettings, type TenantSettings } from '../wfm/tenants';

/** Every variable the worker reads; `wfm-push worker --help` lists them from here. */
export const workerEnvSchema = sharedEnvSchema.extend(wfmEnvSchema.shape).extend({
  WFM_MAX_CONCURRENT_REQUESTS: envInt(1, 1000)
    .default(20)
    .describe('WFM calls in flight at once, per worker process'),
  WFM_TENANT_MAX_SYNCS: envInt(1, 1000)
    .default(10)
    .describe(
      "schedule syncs of one tenant (WFM_TENANTS_FILE) in flight at once, per worker process, in slots of the tenant's own; a tenant's maxSyncs overrides it",
    ),
  WFM_TENANTS_FILE_POLL_MS: envInt(0, 3_600_000)
    .default(2000)
    .describe(
      'how often a running worker looks at WFM_TENANTS_FILE for a change, in milliseconds; a change is reloaded as on SIGHUP (0: only on SIGHUP)',
    ),
  WFM_MAX_AGENTS_PER_WRITE: envInt(1, 100_000)
    .default(500)
    .describe('most agents one write carries; bigger schedules are written in chunks'),
  WFM_PUSH_LEAN_HEAP: z
    .enum(['true', 'false'])
    .default('true')
    .describe(
      "collect garbage for a small heap (V8's --optimize-for-size, set by `wfm-push worker`) once the worker holds more than WFM_PUSH_LEAN_HEAP_ABOVE_MIB: a big push stays near the memory it holds live; false: V8's default throughout, which lets the heap grow to about four times that between full collections",
    ),
  WFM_PUSH_LEAN_HEAP_ABOVE_MIB: envInt(0, 1_000_000)
    .default(384)
    .describe(
      "resident size in MiB from which the worker collects for a small heap (back to V8's default below 60 % of it). Below it the worker collects as V8 does by default: collecting for size pauses the worker for tens of ms at a time, which widens the window between a schedule's read and its write on contended schedules. 0: collect for size from the start",
    ),
  WFM_PUSH_METRICS_ADDRESS: z
    .string()
    .regex(/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, 'must be host:port, e.g. 127.0.0.1:9464')
    .refine((a) => Number(a.slice(a.lastIndexOf(':') + 1)) <= 65_535, 'the port must be at most 65535')
    .optional()
    .describe(
      "host:port where the worker serves /metrics for Prometheus: its own metrics and the Temporal SDK's (default: off)",
    ),
  WFM_PUSH_DEPLOYMENT_NAME: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,200}$/, 'letters, digits, - and _ only (no dots)')
    .optional()
    .describe(
      'Worker Versioning: the Temporal worker deployment this worker belongs to; setting it (or WFM_PUSH_BUILD_ID) turns versioning on: pushes are pinned to the build that started them (default: off, unversioned)',
    ),
  WFM_PUSH_BUILD_ID: z
    .string()
    .regex(/^[A-Za-z0-9_.+-]{1,200}$/, 'letters, digits and - _ . + only')
    .optional()
    .describe(
      'Worker Versioning: this worker build\u2019s ID (default: the package version, plus the git revision when it runs from a checkout); with it alone, the deployment is named after the task queue',
    ),
});

/** The worker deployment version a versioned worker declares (docs/deployment.md, safe deploys). */
export interface WorkerDeployment {
  deploymentName: string;
  buildId: string;
}

export interface WorkerSettings extends SharedSettings {
  wfm: WfmSettings;
  /** Each tenant's WFM (WFM_TENANTS_FILE, docs/tenants.md); empty without a tenants file. */
  tenants: TenantSettings;
  maxConcurrentRequests: number;
  /** Syncs of one tenant in flight at once on this worker, unless the tenant sets `maxSyncs` (WFM_TENANT_MAX_SYNCS). */
  tenantMaxSyncs: number;
  /** How often the running worker looks at the tenants file for a change, in ms; 0: only SIGHUP reloads it. */
  tenantsFilePollMs: number;
  maxAgentsPerWrite: number;
  /**
   * `wfm-push worker` has V8 collect for a small heap from this resident size on, in MiB (WFM_PUSH_LEAN_HEAP_ABOVE_MIB);
   * undefined: never (WFM_PUSH_LEAN_HEAP=false).
   */
  leanHeapAboveMiB?: number;
  /** `host:port` of the `/metrics` endpoint (docs/observe.md); undefined: no metrics are served. */
  metricsAddress?: string;
  /** Worker Versioning's deployment and build; undefined: an unversioned worker. */
  deployment?: WorkerDeployment;
}

/** Reads the worker's settings once, at start-up; a bad value throws a SettingsError naming the variable. */
export function loadWorkerSettings(env: Env): WorkerSettings {
  const parsed = parseEnv(workerEnvSchema, env);
  const shared = sharedSettingsFrom(parsed, env);
  return {
    ...shared,
    wfm: wfmSettingsFrom(parsed, parsed.WFM_API_STYLE),
    tenants: shared.tenantsFile === undefined ? new Map() : loadTenantSettings(shared.tenantsFile, env),
    maxConcurrentRequests: parsed.WFM_MAX_CONCURRENT_REQUESTS,
    tenantMaxSyncs: parsed.WFM_TENANT_MAX_SYNCS,
    tenantsFilePollMs: parsed.WFM_TENANTS_FILE_POLL_MS,
    maxAgentsPerWrite: parsed.WFM_MAX_AGENTS_PER_WRITE,
    leanHeapAboveMiB: parsed.WFM_PUSH_LEAN_HEAP === 'true' ? parsed.WFM_PUSH_LEAN_HEAP_ABOVE_MIB : undefined,
    metricsAddress: parsed.WFM_PUSH_METRICS_ADDRESS,
    deployment: deploymentFrom(parsed, defaultBuildId),
  };
}

/**
 * Versioning is opt-in: a versioned worker receives no new push until its version is made current
 * (`temporal worker deployment set-current-version`), so turning it on by default would stall every deploy that
 * does not run that step.
 */
function deploymentFrom(
  parsed: z.infer<typeof workerEnvSchema>,
  buildId: () => string,
): WorkerDeployment | undefined {
  if (parsed.WFM_PUSH_DEPLOYMENT_NAME === undefined && parsed.WFM_PUSH_BUILD_ID === undefined)
    return undefined;
  return {
    deploymentName:
      parsed.WFM_PUSH_DEPLOYMENT_NAME ?? parsed.WFM_PUSH_TASK_QUEUE.replace(/[^A-Za-z0-9_-]/g, '-'),
    buildId: parsed.WFM_PUSH_BUILD_ID ?? buildId(),
  };
}
