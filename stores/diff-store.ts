import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { writeFileAtomically } from '../common/atomic-file';
import { isValidId } from '../model/ids';
import type { ScheduleDiff } from '../model/plan-diff';

/**
 * Per-schedule diffs of a dry run (`wfm-push diff`), under the diff's ID. Kept apart from the result store: a diff is
 * what a push would do, not what one did, and the report, retry and drift check read the result store as the truth
 * of what was pushed. The diff workflow carries only counts; the client reads the diffs from here.
 */
export interface DiffStore {
  putScheduleDiff(diffId: string, diff: ScheduleDiff): Promise<void>;
  listScheduleDiffs(diffId: string): Promise<ScheduleDiff[]>;
}

/** Enough of a stored diff to trust it; the rest is kept as stored. */
const storedDiffSchema = z.looseObject({
  scheduleId: z.string(),
  version: z.string().nullable(),
  counts: z.looseObject({ agents: z.number() }),
  agents: z.array(z.looseObject({ agentId: z.string(), status: z.string() })),
});

/** `<folder>/<diffId>/<scheduleId>.json`; the ID grammar (model/ids.ts) makes both safe file names. */
export class LocalDiffStore implements DiffStore {
  constructor(private readonly folder: string) {}

  async putScheduleDiff(diffId: string, diff: ScheduleDiff): Promise<void> {
    await writeFileAtomically(
      path.join(this.diffFolder(diffId), `${safeName(diff.scheduleId)}.json`),
      JSON.stringify(diff),
    );
  }

  async listScheduleDiffs(diffId: string): Promise<ScheduleDiff[]> {
    const dir = this.diffFolder(diffId);
    let names: string[];
    try {
      names = (await readdir(dir)).filter((n) => n.endsWith('.json') && !n.startsWith('.'));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const diffs: ScheduleDiff[] = [];
    // In batches: a 10,000-schedule diff must not open 10,000 files at once.
    for (let i = 0; i < names.length; i += 256) {
      const batch = names
        .slice(i, i + 256)
        .map(async (name) =>
          checkStoredDiff(
            parseJson(await readFile(path.join(dir, name), 'utf8')),
            name.slice(0, -'.json'.length),
          ),
        );
      for (const read of await Promise.all(batch)) diffs.push(...read);
    }
    return diffs;
  }

  private diffFolder(diffId: string): string {
    return path.join(this.folder, safeName(diffId));
  }
}

/**
 * A stored diff as the report may use it, or nothing: a damaged one (or one holding another schedule) reads as not
 * read, and the report says so for its schedule.
 */
export function checkStoredDiff(value: unknown, scheduleId: string): ScheduleDiff[] {
  const parsed = storedDiffSchema.safeParse(value);
  return parsed.success && parsed.data.scheduleId === scheduleId
    ? [parsed.data as unknown as ScheduleDiff]
    : [];
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function safeName(id: string): string {
  if (!isValidId(id)) throw new Error(`not a valid ID for a file name: ${JSON.stringify(id.slice(0, 140))}`);
  return id;
}
