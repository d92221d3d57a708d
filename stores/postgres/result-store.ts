import type { PushManifest, ScheduleResult } from '../../model/report';
import { checkStoredResult, manifestSchema, type ResultStore, type StoredResults } from '../result-store';
import { checkId, toJson, type PostgresDatabase } from './database';
import { SCHEMA } from './migrations';

/**
 * Results in PostgreSQL: a row per (push, schedule) holding the whole result as jsonb (fields other code adds to a
 * result are kept), the latest write winning; a push's report reads them all with one query.
 */
export class PostgresResultStore implements ResultStore {
  constructor(private readonly db: PostgresDatabase) {}

  async createManifest(manifest: PushManifest): Promise<PushManifest | undefined> {
    checkId(manifest.planId);
    // A racing insert of the same planId waits for the first to commit, then does nothing: one binding wins.
    const { rowCount } = await this.db.query(
      `INSERT INTO ${SCHEMA}.manifests (plan_id, manifest) VALUES ($1, $2) ON CONFLICT (plan_id) DO NOTHING`,
      [manifest.planId, toJson(manifest)],
    );
    if (rowCount === 1) return undefined;
    return this.getManifest(manifest.planId);
  }

  async getManifest(planId: string): Promise<PushManifest | undefined> {
    checkId(planId);
    const { rows } = await this.db.query<{ manifest: unknown }>(
      `SELECT manifest FROM ${SCHEMA}.manifests WHERE plan_id = $1`,
      [planId],
    );
    if (!rows[0]) return undefined;
    const parsed = manifestSchema.safeParse(rows[0].manifest);
    if (!parsed.success)
      throw new Error(
        `the manifest of push ${planId} in ${this.db.name} is damaged; the push's report cannot be built from it`,
      );
    return parsed.data;
  }

  async putResult(planId: string, result: ScheduleResult): Promise<void> {
    checkId(planId);
    checkId(result.scheduleId);
    await this.db.query(
      `INSERT INTO ${SCHEMA}.results (plan_id, schedule_id, result) VALUES ($1, $2, $3)
       ON CONFLICT (plan_id, schedule_id) DO UPDATE SET result = EXCLUDED.result, updated_at = now()`,
      [planId, result.scheduleId, toJson(result)],
    );
  }

  async listResults(planId: string): Promise<StoredResults> {
    checkId(planId);
    const { rows } = await this.db.query<{ schedule_id: string; result: unknown }>(
      `SELECT schedule_id, result FROM ${SCHEMA}.results WHERE plan_id = $1 ORDER BY schedule_id`,
      [planId],
    );
    const stored: StoredResults = { results: [], unreadable: [] };
    for (const row of rows) {
      const checked = checkStoredResult(row.result, row.schedule_id);
      if ('result' in checked) stored.results.push(checked.result);
      else
        stored.unreadable.push({
          scheduleId: row.schedule_id,
          file: `(row of ${SCHEMA}.results for push ${planId}, schedule ${row.schedule_id})`,
          reason: checked.reason,
        });
    }
    return stored;
  }
}
