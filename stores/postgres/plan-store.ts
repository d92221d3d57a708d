import { createHash } from 'node:crypto';
import {
  planSchema,
  schedulePlanSchema,
  tenantIdSchema,
  type Plan,
  type SchedulePlan,
} from '../../model/plan';
import type { PlanRef, PlanStore } from '../plan-store';
import { StoredPlanMissing } from '../store-errors';
import type { PostgresDatabase } from './database';
import { SCHEMA } from './migrations';

export interface PostgresPlanStoreOptions {
  /** A stored plan larger than this is refused on `get`, in bytes of JSON. Default 256 MiB. */
  maxPlanBytes?: number;
}

/** Bytes of schedule JSON sent in one INSERT while storing a plan. */
const INSERT_BATCH_BYTES = 4 * 2 ** 20;
/** Rows in one INSERT: three parameters each, and PostgreSQL takes at most 65,535 parameters per statement. */
const INSERT_BATCH_ROWS = 5_000;
/** Plans whose checked digests a process keeps (each 32 bytes per schedule). */
const CHECKED_PLANS_KEPT = 64;
const DIGEST_BYTES = 32;

/** What the plan row holds, checked against the reference: everything a page of schedules is checked against. */
interface CheckedPlan {
  header: Record<string, unknown>;
  digests: Buffer;
  count: number;
  bytes: number;
}

/**
 * Plans in PostgreSQL, a row per schedule, so the workflow's pages and each schedule's sync read only what they need
 * (one indexed query), however large the plan.
 *
 * The reference is a SHA-256 over the plan without its schedules and the SHA-256 of each schedule's JSON, in order
 * (`planRefOf`): still content-addressed and write-once, and every schedule read is checked against it, as the local
 * store checks the whole file. (It differs from the local store's reference for the same plan: a reference names a
 * plan within its store.)
 */
export class PostgresPlanStore implements PlanStore {
  private readonly maxPlanBytes: number;
  /** In insertion order = least recently used first. */
  private readonly checked = new Map<PlanRef, Promise<CheckedPlan>>();

  constructor(
    private readonly db: PostgresDatabase,
    options: PostgresPlanStoreOptions = {},
  ) {
    this.maxPlanBytes = options.maxPlanBytes ?? 256 * 2 ** 20;
  }

  async put(plan: Plan): Promise<PlanRef> {
    const { schedules, ...rest } = plan;
    const header = JSON.stringify(rest);
    const bodies = schedules.map((s) => JSON.stringify(s));
    const digests = Buffer.concat(bodies.map(sha256));
    const ref = planRefOf(header, digests);
    const bytes = bodies.reduce((n, b) => n + Buffer.byteLength(b), Buffer.byteLength(header));
    // One transaction: a reader never sees the plan row without all of its schedules. A plan stored before (or by
    // a racing client, whose insert this one waits for) is left as it is.
    await this.db.transaction(async (client) => {
      const inserted = await client.query(
        `INSERT INTO ${SCHEMA}.plans (plan_ref, plan_id, header, schedule_digests, schedule_count, bytes)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (plan_ref) DO NOTHING`,
        [ref, plan.planId, header, digests, bodies.length, bytes],
      );
      if (inserted.rowCount === 0) return;
      for (const batch of batches(bodies, INSERT_BATCH_BYTES, INSERT_BATCH_ROWS)) {
        // A parameter per value: JSON sent as an array literal would be escaped quote by quote, both ways.
        const rows = batch.map((_, k) => `($1, $${3 * k + 2}, $${3 * k + 3}, $${3 * k + 4})`);
        await client.query(
          `INSERT INTO ${SCHEMA}.plan_schedules (plan_ref, ordinal, schedule_id, body) VALUES ${rows.join(', ')}`,
          [ref, ...batch.flatMap((i) => [i, schedules[i]?.scheduleId, bodies[i]])],
        );
      }
    });
    return ref;
  }

  async get(ref: PlanRef): Promise<Plan> {
    const plan = await this.checkedPlan(ref);
    if (plan.bytes > this.maxPlanBytes)
      throw new Error(
        `stored plan ${ref} is ${plan.bytes} bytes, more than the ${this.maxPlanBytes} allowed`,
      );
    const { rows } = await this.db.query<{ ordinal: number; body: string }>(
      `SELECT ordinal, body FROM ${SCHEMA}.plan_schedules WHERE plan_ref = $1 ORDER BY ordinal`,
      [ref],
    );
    if (rows.length !== plan.count || rows.some((row, i) => row.ordinal !== i))
      throw damaged(ref, `holds ${rows.length} of its ${plan.count} schedules`);
    const schedules = rows.map((row) => JSON.parse(this.checkedBody(ref, plan, row)) as unknown);
    const parsed = planSchema.parse({ ...plan.header, schedules });
    if (!parsed.planId) throw new Error(`stored plan ${ref} has no planId`);
    return { ...parsed, planId: parsed.planId };
  }

  async getSchedules(ref: PlanRef, offset: number, limit: number): Promise<SchedulePlan[]> {
    if (!Number.isInteger(offset) || offset < 0 || !Number.isInteger(limit) || limit < 0)
      throw new Error(`expected a page of whole numbers >= 0, got offset ${offset} and limit ${limit}`);
    const plan = await this.checkedPlan(ref);
    const end = Math.min(plan.count, offset + limit);
    if (offset >= end) return [];
    const { rows } = await this.db.query<{ ordinal: number; body: string }>(
      `SELECT ordinal, body FROM ${SCHEMA}.plan_schedules
       WHERE plan_ref = $1 AND ordinal >= $2 AND ordinal < $3 ORDER BY ordinal`,
      [ref, offset, end],
    );
    if (rows.length !== end - offset || rows.some((row, i) => row.ordinal !== offset + i))
      throw damaged(ref, `is missing schedules between ${offset} and ${end - 1}`);
    return rows.map((row) => schedulePlanSchema.parse(JSON.parse(this.checkedBody(ref, plan, row))));
  }

  async getSchedule(ref: PlanRef, scheduleId: string): Promise<SchedulePlan | undefined> {
    const plan = await this.checkedPlan(ref);
    const { rows } = await this.db.query<{ ordinal: number; body: string }>(
      `SELECT ordinal, body FROM ${SCHEMA}.plan_schedules
       WHERE plan_ref = $1 AND schedule_id = $2 ORDER BY ordinal LIMIT 1`,
      [ref, scheduleId],
    );
    const row = rows[0];
    if (!row) return undefined;
    const schedule = schedulePlanSchema.parse(JSON.parse(this.checkedBody(ref, plan, row)));
    // The schedule_id column is not covered by the digest; the body is.
    return schedule.scheduleId === scheduleId ? schedule : undefined;
  }

  async getTenant(ref: PlanRef): Promise<string | undefined> {
    // The header is checked against the reference with the row; the plan schema checks the tenant's grammar.
    const { tenant } = (await this.checkedPlan(ref)).header;
    return tenant === undefined ? undefined : tenantIdSchema.parse(tenant);
  }

  /** The plan row, checked against its reference once per process (it cannot change and stay valid). */
  private checkedPlan(ref: PlanRef): Promise<CheckedPlan> {
    const hit = this.checked.get(ref);
    if (hit) {
      this.checked.delete(ref);
      this.checked.set(ref, hit);
      return hit;
    }
    const loading = this.loadPlanRow(ref);
    this.checked.set(ref, loading);
    loading.catch(() => this.checked.delete(ref));
    for (const old of this.checked.keys()) {
      if (this.checked.size <= CHECKED_PLANS_KEPT) break;
      this.checked.delete(old);
    }
    return loading;
  }

  private async loadPlanRow(ref: PlanRef): Promise<CheckedPlan> {
    if (!/^[0-9a-f]{64}$/.test(ref)) throw new Error(`not a plan reference: ${ref}`);
    const { rows } = await this.db.query<{
      header: string;
      schedule_digests: Buffer;
      schedule_count: number;
      bytes: string;
    }>(`SELECT header, schedule_digests, schedule_count, bytes FROM ${SCHEMA}.plans WHERE plan_ref = $1`, [
      ref,
    ]);
    const row = rows[0];
    if (!row) throw new StoredPlanMissing(`no stored plan ${ref} in the store ${this.db.name}`);
    const digests = row.schedule_digests;
    if (planRefOf(row.header, digests) !== ref || digests.length !== row.schedule_count * DIGEST_BYTES)
      throw damaged(ref, 'does not match its SHA-256 (changed or damaged); refusing to use it');
    const header: unknown = JSON.parse(row.header);
    if (!header || typeof header !== 'object' || Array.isArray(header))
      throw damaged(ref, 'has a header that is not a JSON object');
    return {
      header: header as Record<string, unknown>,
      digests,
      count: row.schedule_count,
      bytes: Number(row.bytes),
    };
  }

  /** A schedule's JSON once its bytes match the digest the checked plan row holds for its place. */
  private checkedBody(ref: PlanRef, plan: CheckedPlan, row: { ordinal: number; body: string }): string {
    const expected = plan.digests.subarray(row.ordinal * DIGEST_BYTES, (row.ordinal + 1) * DIGEST_BYTES);
    if (expected.length !== DIGEST_BYTES || !sha256(row.body).equals(expected))
      throw damaged(
        ref,
        `schedule ${row.ordinal} does not match its SHA-256 (changed or damaged); refusing to use it`,
      );
    return row.body;
  }
}

/**
 * The plan's reference: SHA-256 of a version line, the plan's JSON without its schedules, and the SHA-256 of each
 * schedule's JSON in plan order.
 */
export function planRefOf(header: string, digests: Buffer): PlanRef {
  return createHash('sha256')
    .update('wfm-push plan v1\n')
    .update(header)
    .update('\n')
    .update(digests)
    .digest('hex');
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

function damaged(ref: PlanRef, what: string): Error {
  return new Error(`stored plan ${ref} ${what}`);
}

/** Indexes of `bodies` in runs of at most `maxBytes` and `maxRows` (at least one each). */
function* batches(bodies: readonly string[], maxBytes: number, maxRows: number): Generator<number[]> {
  let batch: number[] = [];
  let bytes = 0;
  for (const [i, body] of bodies.entries()) {
    if (batch.length > 0 && (bytes + body.length > maxBytes || batch.length >= maxRows)) {
      yield batch;
      batch = [];
      bytes = 0;
    }
    batch.push(i);
    bytes += body.length;
  }
  if (batch.length > 0) yield batch;
}
