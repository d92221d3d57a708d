import type { PushManifest, ScheduleResult } from '../../model/report';
import {
  checkStoredResult,
  checkTenant,
  manifestSchema,
  pushKeyOf,
  pushManifestOf,
  type PushKey,
  type ResultStore,
  type StoredResults,
} from '../result-store';
import { checkId, toJson, type PostgresDatabase } from './database';
import { SCHEMA } from './migrations';

/**
 * Results in PostgreSQL: a row per (push, schedule) holding the whole result as jsonb (fields other code adds to a
 * result are kept), the latest write winning; a push's report reads them all with one query. A push is keyed by its
 * tenant and plan ID; '' in the tenant column is a plan without a tenant.
 */
export class PostgresResultStore implements ResultStore {
  constructor(private readonly db: PostgresDatabase) {}

  async createManifest(manifest: PushManifest): Promise<PushManifest | undefined> {
    const key = pushKeyOf(manifest);
    // A racing insert of the same key waits for the first to commit, then does nothing: one binding wins.
    const { rowCount } = await this.db.query(
      `INSERT INTO ${SCHEMA}.manifests (tenant, plan_id, manifest) VALUES ($1, $2, $3)
       ON CONFLICT (tenant, plan_id) DO NOTHING`,
      [...columns(key), toJson(manifest)],
    );
    if (rowCount === 1) return undefined;
    return this.getManifest(key);
  }

  async getManifest(key: PushKey): Promise<PushManifest | undefined> {
    const { rows } = await this.db.query<{ manifest: unknown }>(
      `SELECT manifest FROM ${SCHEMA}.manifests WHERE tenant = $1 AND plan_id = $2`,
      columns(key),
    );
    if (!rows[0]) return undefined;
    const parsed = manifestSchema.safeParse(rows[0].manifest);
    if (!parsed.success || parsed.data.planId !== key.planId)
      throw new Error(
        `the manifest of push ${describeKey(key)} in ${this.db.name} is damaged; the push's report cannot be built from it`,
      );
    return pushManifestOf(parsed.data, key);
  }

  async putResult(key: PushKey, result: ScheduleResult): Promise<void> {
    checkId(result.scheduleId);
    await this.db.query(
      `INSERT INTO ${SCHEMA}.results (tenant, plan_id, schedule_id, result) VALUES ($1, $2, $3, $4)
       ON CONFLICT (tenant, plan_id, schedule_id) DO UPDATE SET result = EXCLUDED.result, updated_at = now()`,
      [...columns(key), result.scheduleId, toJson(result)],
    );
  }

  async listResults(key: PushKey): Promise<StoredResults> {
    const { rows } = await this.db.query<{ schedule_id: string; result: unknown }>(
      `SELECT schedule_id, result FROM ${SCHEMA}.results WHERE tenant = $1 AND plan_id = $2 ORDER BY schedule_id`,
      columns(key),
    );
    const stored: StoredResults = { results: [], unreadable: [] };
    for (const row of rows) {
      const checked = checkStoredResult(row.result, row.schedule_id);
      if ('result' in checked) stored.results.push(checked.result);
      else
        stored.unreadable.push({
          scheduleId: row.schedule_id,
          file: `(row of ${SCHEMA}.results for push ${describeKey(key)}, schedule ${row.schedule_id})`,
          reason: checked.reason,
        });
    }
    return stored;
  }

  async tenantsOf(planId: string): Promise<Array<string | undefined>> {
    checkId(planId);
    const { rows } = await this.db.query<{ tenant: string }>(
      `SELECT tenant FROM ${SCHEMA}.manifests WHERE plan_id = $1 ORDER BY tenant`,
      [planId],
    );
    // '' sorts first: the plan without a tenant, as the local store lists it.
    return rows.map((r) => (r.tenant === '' ? undefined : r.tenant));
  }
}

/** The key's (tenant, plan_id) columns, each checked against its grammar. */
function columns(key: PushKey): [string, string] {
  checkId(key.planId);
  return [key.tenant === undefined ? '' : checkTenant(key.tenant), key.planId];
}

function describeKey(key: PushKey): string {
  return key.tenant === undefined ? key.planId : `${key.planId} of tenant ${key.tenant}`;
}
