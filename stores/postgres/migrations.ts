import type { PoolClient } from 'pg';

/** A step of the store's schema. Versions only grow; a released step is never edited, a new one is added. */
export interface Migration {
  version: number;
  description: string;
  /** Statements run in one transaction with the others of the same start-up. */
  sql: string;
}

/** The store's tables live in a schema of their own, so a database shared with other software keeps them apart. */
export const SCHEMA = 'wfm_push';

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'plans (a row per schedule), push manifests, schedule results',
    sql: `
      CREATE TABLE ${SCHEMA}.plans (
        plan_ref text PRIMARY KEY CHECK (plan_ref ~ '^[0-9a-f]{64}$'),
        plan_id text NOT NULL,
        -- The plan's JSON without its schedules, and the SHA-256 of each schedule's JSON in plan order: together
        -- they hash to plan_ref, so any page of schedules can be checked without reading the others.
        header text NOT NULL,
        schedule_digests bytea NOT NULL,
        schedule_count integer NOT NULL,
        bytes bigint NOT NULL,
        stored_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE ${SCHEMA}.plan_schedules (
        plan_ref text NOT NULL REFERENCES ${SCHEMA}.plans (plan_ref) ON DELETE CASCADE,
        ordinal integer NOT NULL,
        schedule_id text NOT NULL,
        -- Text, not jsonb: the exact bytes whose SHA-256 the plan row holds.
        body text NOT NULL,
        PRIMARY KEY (plan_ref, ordinal)
      );
      CREATE INDEX plan_schedules_by_id ON ${SCHEMA}.plan_schedules (plan_ref, schedule_id);
      CREATE TABLE ${SCHEMA}.manifests (
        plan_id text PRIMARY KEY,
        manifest jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE ${SCHEMA}.results (
        plan_id text NOT NULL,
        schedule_id text NOT NULL,
        result jsonb NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (plan_id, schedule_id)
      );
    `,
  },
  {
    version: 2,
    description: 'schedule diffs of dry runs (wfm-push diff)',
    sql: `
      CREATE TABLE ${SCHEMA}.diffs (
        diff_id text NOT NULL,
        schedule_id text NOT NULL,
        diff jsonb NOT NULL,
        stored_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (diff_id, schedule_id)
      );
    `,
  },
  {
    version: 3,
    description: 'plan IDs per tenant: manifests and results keyed by (tenant, plan ID)',
    // '' is a plan without a tenant (a key column cannot be NULL, and no tenant ID is empty). Pushes stored before
    // take the tenant of their bound plan, read from its header (checked against its reference on every read).
    sql: `
      ALTER TABLE ${SCHEMA}.manifests ADD COLUMN tenant text NOT NULL DEFAULT '';
      UPDATE ${SCHEMA}.manifests m SET tenant = p.header::jsonb ->> 'tenant'
        FROM ${SCHEMA}.plans p
        WHERE p.plan_ref = m.manifest ->> 'planRef' AND p.header::jsonb ->> 'tenant' IS NOT NULL;
      ALTER TABLE ${SCHEMA}.manifests DROP CONSTRAINT manifests_pkey;
      ALTER TABLE ${SCHEMA}.manifests ADD PRIMARY KEY (tenant, plan_id);
      CREATE INDEX manifests_by_plan_id ON ${SCHEMA}.manifests (plan_id);
      ALTER TABLE ${SCHEMA}.results ADD COLUMN tenant text NOT NULL DEFAULT '';
      UPDATE ${SCHEMA}.results r SET tenant = m.tenant
        FROM ${SCHEMA}.manifests m
        WHERE m.plan_id = r.plan_id AND m.tenant <> '';
      ALTER TABLE ${SCHEMA}.results DROP CONSTRAINT results_pkey;
      ALTER TABLE ${SCHEMA}.results ADD PRIMARY KEY (tenant, plan_id, schedule_id);
    `,
  },
];

/**
 * Every process that uses the store may start at once (workers on several hosts, a client): they queue on this
 * transaction-scoped advisory lock, so one applies the missing steps and the others then find nothing to do. The
 * number is the ASCII of "wfmpush", fixed so every version of wfm-push takes the same lock.
 */
const MIGRATION_LOCK = '33608142452781928';

/**
 * Brings the schema to the newest version `migrations` know, in one transaction (all steps or none). Returns the
 * versions it applied: none when the schema was current. Refuses a schema newer than this code knows.
 */
export async function migrate(
  client: PoolClient,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<number[]> {
  const steps = [...migrations].sort((a, b) => a.version - b.version);
  // The usual start: the schema is current. Checked without a lock or DDL, so a role that may not create schemas
  // can run once someone who may has migrated.
  if ((await missingSteps(client, steps)).length === 0) return [];
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1::bigint)', [MIGRATION_LOCK]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${SCHEMA}`);
    await client.query(`
      CREATE TABLE IF NOT EXISTS ${SCHEMA}.schema_migrations (
        version integer PRIMARY KEY,
        description text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`);
    // Read again under the lock: another process may have applied them meanwhile.
    const missing = await missingSteps(client, steps);
    for (const step of missing) {
      await client.query(step.sql);
      await client.query(`INSERT INTO ${SCHEMA}.schema_migrations (version, description) VALUES ($1, $2)`, [
        step.version,
        step.description,
      ]);
    }
    await client.query('COMMIT');
    return missing.map((m) => m.version);
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  }
}

/** The steps not applied yet; throws when the schema is newer than these steps know. */
async function missingSteps(client: PoolClient, steps: readonly Migration[]): Promise<Migration[]> {
  const { rows: table } = await client.query<{ present: boolean }>(
    `SELECT to_regclass('${SCHEMA}.schema_migrations') IS NOT NULL AS present`,
  );
  if (!table[0]?.present) return [...steps];
  const { rows } = await client.query<{ version: number }>(`SELECT version FROM ${SCHEMA}.schema_migrations`);
  const applied = new Set(rows.map((r) => r.version));
  const newest = Math.max(0, ...steps.map((m) => m.version));
  const stored = Math.max(0, ...applied);
  if (stored > newest)
    throw new Error(
      `the store's schema is at version ${stored}, newer than this wfm-push knows (${newest}): upgrade wfm-push on this host`,
    );
  return steps.filter((m) => !applied.has(m.version));
}
