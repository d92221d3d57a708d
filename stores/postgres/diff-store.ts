import type { ScheduleDiff } from '../../model/plan-diff';
import { checkStoredDiff, type DiffStore } from '../diff-store';
import { checkId, toJson, type PostgresDatabase } from './database';
import { SCHEMA } from './migrations';

/** Dry-run diffs in PostgreSQL: a row per (diff, schedule) holding the schedule's diff as jsonb. */
export class PostgresDiffStore implements DiffStore {
  constructor(private readonly db: PostgresDatabase) {}

  async putScheduleDiff(diffId: string, diff: ScheduleDiff): Promise<void> {
    checkId(diffId);
    checkId(diff.scheduleId);
    await this.db.query(
      `INSERT INTO ${SCHEMA}.diffs (diff_id, schedule_id, diff) VALUES ($1, $2, $3)
       ON CONFLICT (diff_id, schedule_id) DO UPDATE SET diff = EXCLUDED.diff, stored_at = now()`,
      [diffId, diff.scheduleId, toJson(diff)],
    );
  }

  async listScheduleDiffs(diffId: string): Promise<ScheduleDiff[]> {
    checkId(diffId);
    const { rows } = await this.db.query<{ schedule_id: string; diff: unknown }>(
      `SELECT schedule_id, diff FROM ${SCHEMA}.diffs WHERE diff_id = $1 ORDER BY schedule_id`,
      [diffId],
    );
    return rows.flatMap((row) => checkStoredDiff(row.diff, row.schedule_id));
  }
}
