import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { isValidId } from '../model/ids';
import type { PushManifest, ScheduleResult } from '../model/report';
import { createFileExclusively, writeFileAtomically } from '../common/atomic-file';

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
 * Per-schedule results live here, not in the parent's state, so the report of a 10,000-schedule push is complete and
 * no workflow carries it. The latest result of a schedule wins (a retry overwrites a failure).
 */
export interface ResultStore {
  /**
   * Records what a push covers, unless its planId already has a manifest: then that one is returned and nothing is
   * written. Atomic, so two submissions racing with one planId cannot both bind it.
   */
  createManifest(manifest: PushManifest): Promise<PushManifest | undefined>;
  getManifest(planId: string): Promise<PushManifest | undefined>;
  putResult(planId: string, result: ScheduleResult): Promise<void>;
  /** Every stored result of the push: one read of the store, however many schedules. */
  listResults(planId: string): Promise<StoredResults>;
}

export const manifestSchema = z.object({
  planId: z.string(),
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
 * `<folder>/<planId>/schedules/<scheduleId>.json`. The ID grammar (model/ids.ts) makes both safe file names.
 */
export class LocalResultStore implements ResultStore {
  constructor(private readonly folder: string) {}

  async createManifest(manifest: PushManifest): Promise<PushManifest | undefined> {
    const file = this.manifestFile(manifest.planId);
    if (await createFileExclusively(file, JSON.stringify(manifest))) return undefined;
    return this.getManifest(manifest.planId);
  }

  async getManifest(planId: string): Promise<PushManifest | undefined> {
    const file = this.manifestFile(planId);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    const parsed = manifestSchema.safeParse(parseJson(text));
    if (!parsed.success)
      throw new Error(`the manifest ${file} is damaged; the push's report cannot be built from it`);
    return parsed.data;
  }

  async putResult(planId: string, result: ScheduleResult): Promise<void> {
    await writeFileAtomically(this.resultFile(planId, result.scheduleId), JSON.stringify(result));
  }

  async listResults(planId: string): Promise<StoredResults> {
    const dir = path.dirname(this.resultFile(planId, 'x'));
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

  private manifestFile(planId: string): string {
    return path.join(this.pushFolder(planId), 'manifest.json');
  }

  private resultFile(planId: string, scheduleId: string): string {
    return path.join(this.pushFolder(planId), 'schedules', `${safeName(scheduleId)}.json`);
  }

  private pushFolder(planId: string): string {
    return path.join(this.folder, safeName(planId));
  }
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
