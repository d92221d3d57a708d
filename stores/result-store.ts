import { mkdir, readdir, readFile, rename, stat } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { isValidId } from '../model/ids';
import { tenantIdSchema } from '../model/plan';
import type { PushManifest, ScheduleResult } from '../model/report';
import { createFileExclusively, FOLDER_MODE, writeFileAtomically } from '../common/atomic-file';

/** A stored result that cannot be read back, named so an operator can find it; its schedule counts as not done. */
export interface UnreadableResult {
  scheduleId: string;
  /** Where it is stored: a file, or a row of the PostgreSQL store. */
  file: string;
  reason: string;
}

export interface StoredResults {
  results: ScheduleResult[];
  unreadable: UnreadableResult[];
}

/**
 * What a push is stored under: its plan ID within its tenant (issue 23), so two tenants' plans with one ID are two
 * pushes with two manifests and two result sets. No tenant: a plan for the worker's own WFM.
 */
export interface PushKey {
  planId: string;
  tenant?: string;
}

/** The key of a manifest (or plan) as the stores read it. */
export function pushKeyOf(of: { planId: string; tenant?: string | undefined }): PushKey {
  return of.tenant === undefined ? { planId: of.planId } : { planId: of.planId, tenant: of.tenant };
}

/**
 * Per-schedule results live here, not in the parent's state, so the report of a 10,000-schedule push is complete and
 * no workflow carries it. The latest result of a schedule wins (a retry overwrites a failure).
 */
export interface ResultStore {
  /**
   * Records what a push covers, unless its planId already has a manifest within its tenant: then that one is returned
   * and nothing is written. Atomic, so two submissions racing with one planId cannot both bind it.
   */
  createManifest(manifest: PushManifest): Promise<PushManifest | undefined>;
  getManifest(key: PushKey): Promise<PushManifest | undefined>;
  putResult(key: PushKey, result: ScheduleResult): Promise<void>;
  /** Every stored result of the push: one read of the store, however many schedules. */
  listResults(key: PushKey): Promise<StoredResults>;
  /**
   * The tenants that have a push of this plan ID (`undefined` for a plan without a tenant), sorted, without
   * tenant first: how a command given only a plan ID finds whose it is.
   */
  tenantsOf(planId: string): Promise<Array<string | undefined>>;
}

export const manifestSchema = z.object({
  planId: z.string(),
  tenant: tenantIdSchema.optional(),
  planRef: z.string().regex(/^[0-9a-f]{64}$/),
  schedules: z.number().int().nonnegative(),
  agentsPlanned: z.number().int().nonnegative(),
  submittedAt: z.string(),
});

/** Enough of a result to trust it in a report; the rest of its fields are kept as stored. */
const storedResultSchema = z.looseObject({
  scheduleId: z.string(),
  outcome: z.enum(['landed', 'already-in-place', 'failed', 'not-started', 'superseded']),
  agentsPlanned: z.number(),
  agentsChanged: z.number(),
  agentsAlreadyInPlace: z.number(),
});

/**
 * A stored result as the report may use it, or what is wrong with it (every store judges the same way): it must look
 * like a result, and be the result of the schedule it is stored under.
 */
export function checkStoredResult(
  value: unknown,
  scheduleId: string,
): { result: ScheduleResult } | { reason: string } {
  const parsed = storedResultSchema.safeParse(value);
  if (!parsed.success) return { reason: 'not a schedule result (empty or damaged)' };
  if (parsed.data.scheduleId !== scheduleId)
    return { reason: `holds the result of schedule ${parsed.data.scheduleId}` };
  return { result: parsed.data as unknown as ScheduleResult };
}

/**
 * A store in a local folder (the embedded default): `<folder>/<planId>/manifest.json` and one file per schedule,
 * `<folder>/<planId>/schedules/<scheduleId>.json`; a tenant's push under `<folder>/@<tenant>/<planId>/` (no plan ID
 * starts with `@`, so the two never meet). The ID grammar (model/ids.ts) makes all of them safe file names.
 */
export class LocalResultStore implements ResultStore {
  constructor(private readonly folder: string) {}

  async createManifest(manifest: PushManifest): Promise<PushManifest | undefined> {
    const key = pushKeyOf(manifest);
    const file = this.manifestFile(key);
    if (await createFileExclusively(file, JSON.stringify(manifest))) return undefined;
    return this.getManifest(key);
  }

  async getManifest(key: PushKey): Promise<PushManifest | undefined> {
    const file = this.manifestFile(key);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    const parsed = manifestSchema.safeParse(parseJson(text));
    if (!parsed.success || parsed.data.planId !== key.planId)
      throw new Error(`the manifest ${file} is damaged; the push's report cannot be built from it`);
    // Manifests written before plan IDs were per tenant do not name theirs: the folder does.
    return pushManifestOf(parsed.data, key);
  }

  async putResult(key: PushKey, result: ScheduleResult): Promise<void> {
    await writeFileAtomically(this.resultFile(key, result.scheduleId), JSON.stringify(result));
  }

  async listResults(key: PushKey): Promise<StoredResults> {
    const dir = path.dirname(this.resultFile(key, 'x'));
    let names: string[];
    try {
      names = (await readdir(dir)).filter((n) => n.endsWith('.json') && !n.startsWith('.'));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { results: [], unreadable: [] };
      throw err;
    }
    const stored: StoredResults = { results: [], unreadable: [] };
    // In batches: a 10,000-schedule push must not open 10,000 files at once.
    for (let i = 0; i < names.length; i += 256) {
      const batch = names.slice(i, i + 256).map((name) => this.readResult(dir, name));
      for (const read of await Promise.all(batch)) {
        if ('result' in read) stored.results.push(read.result);
        else stored.unreadable.push(read);
      }
    }
    return stored;
  }

  async tenantsOf(planId: string): Promise<Array<string | undefined>> {
    safeName(planId);
    let names: string[];
    try {
      names = await readdir(this.folder);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const candidates = [
      undefined,
      ...names
        .filter((n) => n.startsWith('@') && tenantIdSchema.safeParse(n.slice(1)).success)
        .map((n) => n.slice(1))
        .sort(),
    ];
    const present = await Promise.all(
      candidates.map((tenant) => exists(this.manifestFile(pushKeyOf({ planId, tenant })))),
    );
    return candidates.filter((_, i) => present[i]);
  }

  /**
   * Moves the pushes of tenants' plans stored before plan IDs were per tenant (under `<folder>/<planId>/`) to their
   * tenant's folder: `tenantOf` reads the tenant of a manifest's plan. A rename each, so a push is never half moved;
   * one already moved (another process's migration) is left. Returns the plan IDs moved.
   */
  async migrateTenantPushes(tenantOf: (planRef: string) => Promise<string | undefined>): Promise<string[]> {
    // Once done, never again: every push written since is in its place (and a start need not read every plan).
    const marker = path.join(this.folder, TENANT_LAYOUT_MARKER);
    if (await exists(marker)) return [];
    let names: string[];
    try {
      names = await readdir(this.folder);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      names = [];
    }
    const moved: string[] = [];
    for (const planId of names.filter(isValidId)) {
      const manifest = manifestSchema.safeParse(
        parseJson(await readFile(this.manifestFile({ planId }), 'utf8').catch(() => '')),
      );
      // A damaged manifest stays where it is: its report names it.
      if (!manifest.success || manifest.data.tenant !== undefined) continue;
      const tenant = await tenantOf(manifest.data.planRef).catch(() => undefined);
      if (tenant === undefined) continue;
      const to = this.pushFolder({ planId, tenant });
      if (await exists(to)) continue;
      await mkdir(path.dirname(to), { recursive: true, mode: FOLDER_MODE });
      try {
        await rename(this.pushFolder({ planId }), to);
        moved.push(planId);
      } catch (err) {
        // Another process starting at the same time moved it first.
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    }
    await writeFileAtomically(marker, JSON.stringify({ migratedAt: new Date().toISOString(), moved }));
    return moved;
  }

  /** One result file; a damaged one is named with what is wrong, not thrown: the other results still count. */
  private async readResult(
    dir: string,
    name: string,
  ): Promise<{ result: ScheduleResult } | UnreadableResult> {
    const file = path.join(dir, name);
    const scheduleId = name.slice(0, -'.json'.length);
    const checked = checkStoredResult(parseJson(await readFile(file, 'utf8')), scheduleId);
    return 'result' in checked ? checked : { scheduleId, file, ...checked };
  }

  private manifestFile(key: PushKey): string {
    return path.join(this.pushFolder(key), 'manifest.json');
  }

  private resultFile(key: PushKey, scheduleId: string): string {
    return path.join(this.pushFolder(key), 'schedules', `${safeName(scheduleId)}.json`);
  }

  private pushFolder(key: PushKey): string {
    if (key.tenant === undefined) return path.join(this.folder, safeName(key.planId));
    return path.join(this.folder, `@${checkTenant(key.tenant)}`, safeName(key.planId));
  }
}

/** Written in the results folder once the pushes of tenants stored by plan ID alone have moved (dot: no push). */
const TENANT_LAYOUT_MARKER = '.tenant-layout';

/** A tenant ID as the stores key it: the tenant grammar (model/plan.ts), else a clear refusal. */
export function checkTenant(tenant: string): string {
  if (!tenantIdSchema.safeParse(tenant).success)
    throw new Error(`not a valid tenant ID: ${JSON.stringify(tenant.slice(0, 140))}`);
  return tenant;
}

/** A stored manifest with the tenant of the key it is stored under. */
export function pushManifestOf(stored: z.infer<typeof manifestSchema>, key: PushKey): PushManifest {
  const { tenant: _stored, ...rest } = stored;
  return key.tenant === undefined ? rest : { ...rest, tenant: key.tenant };
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return false;
      throw err;
    },
  );
}

/** An ID as a file name. The ID grammar already excludes `/`, `..` and control characters; this checks it again. */
function safeName(id: string): string {
  if (!isValidId(id)) throw new Error(`not a valid ID for a file name: ${JSON.stringify(id.slice(0, 140))}`);
  return id;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
