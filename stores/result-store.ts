import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { PushManifest, ScheduleResult } from '../model/report';
import { writeFileAtomically } from './atomic-file';

/**
 * Per-schedule results live here, not in the parent's state, so the report of a 10,000-schedule push is complete and
 * no workflow carries it. The latest result of a schedule wins (a retry overwrites a failure).
 */
export interface ResultStore {
  putManifest(manifest: PushManifest): Promise<void>;
  getManifest(planId: string): Promise<PushManifest | undefined>;
  putResult(planId: string, result: ScheduleResult): Promise<void>;
  listResults(planId: string): Promise<ScheduleResult[]>;
}

/** A store in a local folder (the embedded default): `<folder>/<planId>/manifest.json` and one file per schedule. */
export class LocalResultStore implements ResultStore {
  constructor(private readonly folder: string) {}

  async putManifest(manifest: PushManifest): Promise<void> {
    await writeFileAtomically(
      path.join(this.pushFolder(manifest.planId), 'manifest.json'),
      JSON.stringify(manifest),
    );
  }

  async getManifest(planId: string): Promise<PushManifest | undefined> {
    try {
      return JSON.parse(
        await readFile(path.join(this.pushFolder(planId), 'manifest.json'), 'utf8'),
      ) as PushManifest;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  async putResult(planId: string, result: ScheduleResult): Promise<void> {
    const file = path.join(
      this.pushFolder(planId),
      'schedules',
      `${encodeURIComponent(result.scheduleId)}.json`,
    );
    await writeFileAtomically(file, JSON.stringify(result));
  }

  async listResults(planId: string): Promise<ScheduleResult[]> {
    const dir = path.join(this.pushFolder(planId), 'schedules');
    let names: string[];
    try {
      names = (await readdir(dir)).filter((n) => n.endsWith('.json'));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const results: ScheduleResult[] = [];
    // In batches: a 10,000-schedule push must not open 10,000 files at once.
    for (let i = 0; i < names.length; i += 256) {
      const batch = names
        .slice(i, i + 256)
        .map(async (n) => JSON.parse(await readFile(path.join(dir, n), 'utf8')) as ScheduleResult);
      results.push(...(await Promise.all(batch)));
    }
    return results;
  }

  private pushFolder(planId: string): string {
    return path.join(this.folder, encodeURIComponent(planId));
  }
}
