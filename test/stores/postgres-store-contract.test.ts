import { Client as PgClient } from 'pg';
import { createStores } from '../../stores/create-stores';
import { startStoreCluster, type StoreCluster } from '../support/postgres-store';
import { PostgresDatabase } from '../../stores/postgres/database';
import { MIGRATIONS } from '../../stores/postgres/migrations';
import { PostgresPlanStore } from '../../stores/postgres/plan-store';
import { describeStoreContract, manifestOf, track, type Backend } from './store-contract';

let cluster: StoreCluster;
const adminClients: PgClient[] = [];

const postgres: Backend = {
  name: 'PostgreSQL',
  fresh: async () => {
    const url = await cluster.freshStoreUrl('contract');
    const admin = new PgClient({ connectionString: url });
    await admin.connect();
    adminClients.push(admin);
    return {
      open: () =>
        track(createStores({ dataDir: '/nonexistent', store: { kind: 'postgres', url, poolMax: 5 } })),
      storedPlans: async () =>
        Number((await admin.query('SELECT count(*) AS n FROM wfm_push.plans')).rows[0].n),
      damageSchedule: async (ref, ordinal) => {
        const { rowCount } = await admin.query(
          `UPDATE wfm_push.plan_schedules SET body = jsonb_set(body::jsonb, '{agents,0,shifts}', '[]')::text
           WHERE plan_ref = $1 AND ordinal = $2`,
          [ref, ordinal],
        );
        expect(rowCount).toBe(1);
      },
      damageResult: async (planId, scheduleId, content) => {
        const { rowCount } = await admin.query(
          'UPDATE wfm_push.results SET result = $3 WHERE plan_id = $1 AND schedule_id = $2',
          [planId, scheduleId, JSON.stringify(content)],
        );
        expect(rowCount).toBe(1);
      },
      damageDiff: async (diffId, scheduleId, content) => {
        const { rowCount } = await admin.query(
          'UPDATE wfm_push.diffs SET diff = $3 WHERE diff_id = $1 AND schedule_id = $2',
          [diffId, scheduleId, JSON.stringify(content)],
        );
        expect(rowCount).toBe(1);
      },
      legacyPush: async (plan, results) => {
        // The schema as it was before plan IDs were per tenant (version 2), written as that code wrote it.
        const db = new PostgresDatabase({
          url,
          poolMax: 2,
          migrations: MIGRATIONS.filter((m) => m.version <= 2),
        });
        try {
          const ref = await new PostgresPlanStore(db).put(plan);
          await db.query('INSERT INTO wfm_push.manifests (plan_id, manifest) VALUES ($1, $2)', [
            plan.planId,
            JSON.stringify(manifestOf(plan.planId, ref)),
          ]);
          for (const r of results)
            await db.query(
              'INSERT INTO wfm_push.results (plan_id, schedule_id, result) VALUES ($1, $2, $3)',
              [plan.planId, r.scheduleId, JSON.stringify(r)],
            );
          return ref;
        } finally {
          await db.close();
        }
      },
    };
  },
};

beforeAll(async () => {
  cluster = await startStoreCluster();
});
afterEach(async () => {
  await Promise.all(adminClients.splice(0).map((c) => c.end()));
});
afterAll(() => cluster.stop());

describeStoreContract(postgres);
