import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateSample } from '../../dev/sample';
import type { Plan } from '../../model/plan';
import { emptyDiffCounts, type ScheduleDiff } from '../../model/plan-diff';
import { emptyScheduleResult, type PushManifest, type ScheduleResult } from '../../model/report';
import { createStores, type Stores } from '../../stores/create-stores';
import type { PushKey } from '../../stores/result-store';

/**
 * One contract, two stores: `store-contract.test.ts` runs it against the local folder, `postgres-store-contract.test.ts`
 * against PostgreSQL (a real server, a fresh database per test). `damage*` break what is stored the way a disk fault or
 * a hand edit would.
 */
export interface Backend {
  name: string;
  /** A new, empty store; `open()` again gives another process's view of the same store. */
  fresh(): Promise<{
    open(): Stores;
    storedPlans(): Promise<number>;
    damageSchedule(ref: string, ordinal: number): Promise<void>;
    damageResult(planId: string, scheduleId: string, content: unknown): Promise<void>;
    damageDiff(diffId: string, scheduleId: string, content: unknown): Promise<void>;
    /**
     * Stores a plan, its manifest and these results as wfm-push did before plan IDs were per tenant (keyed by plan ID
     * alone; PostgreSQL: at schema version 2), before anything else opens the store.
     */
    legacyPush(plan: Plan, results: ScheduleResult[]): Promise<string>;
  }>;
}

const opened: Stores[] = [];
const folders: string[] = [];

export const local: Backend = {
  name: 'local folder',
  fresh: async () => {
    const folder = mkdtempSync(path.join(os.tmpdir(), 'store-contract-'));
    folders.push(folder);
    const plansDir = path.join(folder, 'plans');
    return {
      open: () => track(createStores({ dataDir: folder })),
      storedPlans: async () => readdirSync(plansDir).filter((f) => f.endsWith('.json')).length,
      damageSchedule: async (ref, ordinal) => {
        const file = path.join(plansDir, `${ref}.json`);
        const plan = JSON.parse(readFileSync(file, 'utf8')) as Plan;
        plan.schedules[ordinal]!.agents[0]!.shifts = [];
        writeFileSync(file, JSON.stringify(plan));
      },
      damageResult: async (planId, scheduleId, content) => {
        const file = path.join(folder, 'results', planId, 'schedules', `${scheduleId}.json`);
        writeFileSync(file, content === '' ? '' : JSON.stringify(content));
      },
      damageDiff: async (diffId, scheduleId, content) => {
        writeFileSync(path.join(folder, 'diffs', diffId, `${scheduleId}.json`), JSON.stringify(content));
      },
      legacyPush: async (plan, results) => {
        const ref = await track(createStores({ dataDir: folder })).plans.put(plan);
        const dir = path.join(folder, 'results', plan.planId);
        mkdirSync(path.join(dir, 'schedules'), { recursive: true });
        writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifestOf(plan.planId, ref)));
        for (const r of results)
          writeFileSync(path.join(dir, 'schedules', `${r.scheduleId}.json`), JSON.stringify(r));
        return ref;
      },
    };
  },
};

export function track(stores: Stores): Stores {
  opened.push(stores);
  return stores;
}

const samplePlan = (planId: string, schedules: number, agentsPerSchedule = 2) =>
  generateSample({ schedules, agents: schedules * agentsPerSchedule, planId, idPrefix: planId }).plan;

export const manifestOf = (planId: string, planRef: string): PushManifest => ({
  planId,
  planRef,
  schedules: 1,
  agentsPlanned: 1,
  submittedAt: new Date().toISOString(),
});

const result = (scheduleId: string, outcome: ScheduleResult['outcome']): ScheduleResult => ({
  ...emptyScheduleResult(scheduleId, 3),
  outcome,
  agentsChanged: outcome === 'landed' ? 3 : 0,
});

/** Registers the contract's tests for one backend; each test file runs it against one store. */
export function describeStoreContract(backend: Backend): void {
  describe(`the store contract: ${backend.name}`, () => {
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((s) => s.close()));
    });
    afterAll(() => {
      for (const folder of folders) rmSync(folder, { recursive: true, force: true });
    });

    it('stores a plan once, by content: the same plan gives the same reference, however many times and at once', async () => {
      const store = await backend.fresh();
      const plan = samplePlan('write-once', 30);
      const refs = await Promise.all(Array.from({ length: 5 }, () => store.open().plans.put(plan)));
      expect(new Set(refs).size).toBe(1);
      expect(refs[0]).toMatch(/^[0-9a-f]{64}$/);
      const other = await store.open().plans.put({ ...plan, planId: 'write-once-2' });
      expect(other).not.toBe(refs[0]);
      expect(await store.storedPlans()).toBe(2);
      // Another process reads back exactly what was stored.
      expect(await store.open().plans.get(refs[0]!)).toEqual(plan);
    });

    it('reads a plan in pages and one schedule at a time, in plan order', async () => {
      const store = await backend.fresh();
      const plan = samplePlan('pages', 1_050);
      const ref = await store.open().plans.put(plan);
      const plans = store.open().plans;
      const pages = [];
      for (let offset = 0; ; offset += 200) {
        const page = await plans.getSchedules(ref, offset, 200);
        if (page.length === 0) break;
        pages.push(page);
      }
      expect(pages.map((p) => p.length)).toEqual([200, 200, 200, 200, 200, 50]);
      expect(pages.flat()).toEqual(plan.schedules);
      expect(await plans.getSchedules(ref, 1_049, 10)).toEqual(plan.schedules.slice(1_049));
      expect(await plans.getSchedules(ref, 5_000, 10)).toEqual([]);
      const [first, middle] = [plan.schedules[0]!, plan.schedules[777]!];
      expect(await plans.getSchedule(ref, middle.scheduleId)).toEqual(middle);
      expect(await plans.getSchedule(ref, first.scheduleId)).toEqual(first);
      expect(await plans.getSchedule(ref, 'no-such-schedule')).toBeUndefined();
    });

    it("keeps a plan's tenant: another process reads it back, and the same schedules for two tenants are two plans", async () => {
      const store = await backend.fresh();
      const plan = samplePlan('tenant', 3);
      const [none, acme, globex] = await Promise.all([
        store.open().plans.put(plan),
        store.open().plans.put({ ...plan, tenant: 'acme' }),
        store.open().plans.put({ ...plan, tenant: 'globex' }),
      ]);
      expect(new Set([none, acme, globex]).size).toBe(3);
      const plans = store.open().plans;
      expect(await plans.getTenant(none)).toBeUndefined();
      expect(await plans.getTenant(acme!)).toBe('acme');
      expect(await plans.getTenant(globex!)).toBe('globex');
      expect(await plans.get(globex!)).toEqual({ ...plan, tenant: 'globex' });
    });

    it('refuses a stored plan whose content no longer matches its reference', async () => {
      const store = await backend.fresh();
      const plan = samplePlan('tampered', 500);
      const ref = await store.open().plans.put(plan);
      await store.damageSchedule(ref, 321);
      const plans = store.open().plans;
      await expect(plans.get(ref)).rejects.toThrow(/does not match its SHA-256 \(changed or damaged\)/);
      await expect(plans.getSchedules(ref, 300, 100)).rejects.toThrow(/does not match its SHA-256/);
      await expect(plans.getSchedule(ref, plan.schedules[321]!.scheduleId)).rejects.toThrow(
        /does not match its SHA-256/,
      );
      await expect(store.open().plans.get('0'.repeat(64))).rejects.toThrow();
      await expect(store.open().plans.get('../etc/passwd')).rejects.toThrow(/not a plan reference/);
    });

    it('binds a planId to one manifest: of two racing submissions with other contents, exactly one wins', async () => {
      const store = await backend.fresh();
      for (let i = 0; i < 10; i++) {
        const planId = `race-${i}`;
        const [a, b] = [manifestOf(planId, 'a'.repeat(64)), manifestOf(planId, 'b'.repeat(64))];
        const outcomes = await Promise.all([
          store.open().results.createManifest(a),
          store.open().results.createManifest(b),
        ]);
        // Exactly one created it (undefined); the other was handed the winner's manifest.
        expect(outcomes.filter((o) => o === undefined)).toHaveLength(1);
        const winner = outcomes[0] === undefined ? a : b;
        expect(outcomes.find((o) => o !== undefined)).toEqual(winner);
        expect(await store.open().results.getManifest({ planId })).toEqual(winner);
      }
      expect(await store.open().results.getManifest({ planId: 'never-submitted' })).toBeUndefined();
    });

    it('keeps one plan ID of two tenants (and of none) apart: two plans, three manifests, three result sets', async () => {
      const store = await backend.fresh();
      // Two customers' engines name their plans by week: same plan ID, other content, other tenant.
      const acmePlan = { ...samplePlan('2026-W50', 2), tenant: 'acme' };
      const globexPlan = { ...samplePlan('2026-W50', 3), tenant: 'globex' };
      const [acmeRef, globexRef] = await Promise.all([
        store.open().plans.put(acmePlan),
        store.open().plans.put(globexPlan),
      ]);
      expect(acmeRef).not.toBe(globexRef);
      const keys: Array<[PushKey, string]> = [
        [{ planId: '2026-W50' }, '0'.repeat(64)],
        [{ planId: '2026-W50', tenant: 'acme' }, acmeRef],
        [{ planId: '2026-W50', tenant: 'globex' }, globexRef],
      ];
      const created = await Promise.all(
        keys.map(([key, ref]) =>
          store.open().results.createManifest({ ...manifestOf(key.planId, ref), ...key }),
        ),
      );
      // Each is a binding of its own: none was refused as the plan ID of another.
      expect(created).toEqual([undefined, undefined, undefined]);
      const results = store.open().results;
      for (const [key, ref] of keys) {
        const manifest = await results.getManifest(key);
        expect(manifest).toMatchObject({ planId: '2026-W50', planRef: ref });
        expect(manifest?.tenant).toBe(key.tenant);
        await results.putResult(key, result(`only-${key.tenant ?? 'none'}`, 'landed'));
      }
      // One schedule ID in both tenants' pushes: two results, each its tenant's.
      await results.putResult(keys[1]![0], result('shared', 'failed'));
      await results.putResult(keys[2]![0], result('shared', 'landed'));
      const listed = async (key: PushKey) =>
        (await store.open().results.listResults(key)).results
          .map((r) => `${r.scheduleId}:${r.outcome}`)
          .sort();
      expect(await listed(keys[0]![0])).toEqual(['only-none:landed']);
      expect(await listed(keys[1]![0])).toEqual(['only-acme:landed', 'shared:failed']);
      expect(await listed(keys[2]![0])).toEqual(['only-globex:landed', 'shared:landed']);
      expect(await store.open().results.tenantsOf('2026-W50')).toEqual([undefined, 'acme', 'globex']);
      expect(await results.tenantsOf('2026-W51')).toEqual([]);
      // Within a tenant a plan ID still names one plan for good: other content gets the binding back.
      expect(
        await results.createManifest({ ...manifestOf('2026-W50', 'f'.repeat(64)), tenant: 'acme' }),
      ).toMatchObject({ planRef: acmeRef, tenant: 'acme' });
      expect(await results.getManifest({ planId: '2026-W50', tenant: 'initech' })).toBeUndefined();
    });

    it('moves pushes stored before plan IDs were per tenant to their tenant when it prepares', async () => {
      const store = await backend.fresh();
      const acmePlan = { ...samplePlan('legacy', 2), tenant: 'acme' };
      const plainPlan = samplePlan('legacy-plain', 2);
      const acmeRef = await store.legacyPush(acmePlan, [result('s-acme', 'landed')]);
      const plainRef = await store.legacyPush(plainPlan, [result('s-plain', 'failed')]);
      const stores = store.open();
      await stores.prepare();
      const results = store.open().results;
      expect(await results.getManifest({ planId: 'legacy', tenant: 'acme' })).toMatchObject({
        planId: 'legacy',
        tenant: 'acme',
        planRef: acmeRef,
      });
      expect(await results.getManifest({ planId: 'legacy' })).toBeUndefined();
      expect((await results.listResults({ planId: 'legacy', tenant: 'acme' })).results).toEqual([
        result('s-acme', 'landed'),
      ]);
      expect(await results.tenantsOf('legacy')).toEqual(['acme']);
      // A plan without a tenant stays where it was.
      expect(await results.getManifest({ planId: 'legacy-plain' })).toMatchObject({ planRef: plainRef });
      expect((await results.listResults({ planId: 'legacy-plain' })).results).toEqual([
        result('s-plain', 'failed'),
      ]);
      expect(await results.tenantsOf('legacy-plain')).toEqual([undefined]);
      await store.open().prepare();
      expect(await results.tenantsOf('legacy')).toEqual(['acme']);
    });

    it('keeps the latest result of a schedule, with every field it was given', async () => {
      const store = await backend.fresh();
      const results = store.open().results;
      await results.putResult(
        { planId: 'latest' },
        {
          ...result('s-1', 'failed'),
          failure: { type: 'X', message: 'a\u0000b' },
        },
      );
      const withExtras = { ...result('s-1', 'landed'), perAgent: [{ agentId: 'a-1', outcome: 'changed' }] };
      await results.putResult({ planId: 'latest' }, withExtras);
      await results.putResult({ planId: 'latest' }, result('s-2', 'failed'));
      const stored = await store.open().results.listResults({ planId: 'latest' });
      expect(stored.unreadable).toEqual([]);
      expect(stored.results.sort((x, y) => x.scheduleId.localeCompare(y.scheduleId))).toEqual([
        withExtras,
        result('s-2', 'failed'),
      ]);
      expect(await results.listResults({ planId: 'other-push' })).toEqual({ results: [], unreadable: [] });
    });

    it('lists all 10,000 results of a push', async () => {
      const store = await backend.fresh();
      const results = store.open().results;
      const ids = Array.from({ length: 10_000 }, (_, i) => `sched-${i}`);
      for (let i = 0; i < ids.length; i += 100)
        await Promise.all(
          ids.slice(i, i + 100).map((id) => results.putResult({ planId: 'big' }, result(id, 'landed'))),
        );
      const stored = await store.open().results.listResults({ planId: 'big' });
      expect(stored.unreadable).toEqual([]);
      expect(new Set(stored.results.map((r) => r.scheduleId))).toEqual(new Set(ids));
      expect(stored.results.every((r) => r.outcome === 'landed' && r.agentsChanged === 3)).toBe(true);
    });

    it('names a damaged result as unreadable and still lists the others', async () => {
      const store = await backend.fresh();
      const results = store.open().results;
      for (const id of ['ok-1', 'empty', 'elsewhere', 'ok-2'])
        await results.putResult({ planId: 'damaged' }, result(id, 'landed'));
      await store.damageResult('damaged', 'empty', '');
      await store.damageResult('damaged', 'elsewhere', result('ok-1', 'landed'));
      const stored = await store.open().results.listResults({ planId: 'damaged' });
      expect(stored.results.map((r) => r.scheduleId).sort()).toEqual(['ok-1', 'ok-2']);
      expect(stored.unreadable.sort((a, b) => a.scheduleId.localeCompare(b.scheduleId))).toEqual([
        { scheduleId: 'elsewhere', file: expect.any(String), reason: 'holds the result of schedule ok-1' },
        {
          scheduleId: 'empty',
          file: expect.stringContaining('empty'),
          reason: expect.stringContaining('not a schedule result'),
        },
      ]);
    });

    it('refuses IDs outside the ID grammar', async () => {
      const store = await backend.fresh();
      const results = store.open().results;
      await expect(results.putResult({ planId: '../escape' }, result('s', 'landed'))).rejects.toThrow(
        /not a valid ID/,
      );
      await expect(results.getManifest({ planId: 'a/b' })).rejects.toThrow(/not a valid ID/);
      await expect(results.getManifest({ planId: 'p', tenant: '../acme' })).rejects.toThrow(/tenant/i);
      await expect(
        results.putResult({ planId: 'p', tenant: 'Acme/x' }, result('s', 'landed')),
      ).rejects.toThrow(/tenant/i);
    });

    it('keeps the latest diff of each schedule of a dry run, apart from other dry runs; a damaged one is left out', async () => {
      const store = await backend.fresh();
      const diffs = store.open().diffs;
      const diff = (scheduleId: string, version: string | null): ScheduleDiff => ({
        scheduleId,
        version,
        counts: { ...emptyDiffCounts(), agents: 1 },
        agents: [
          {
            agentId: 'a-1',
            status: 'changes',
            push: 'write',
            inSchedule: true,
            added: [],
            replaced: [],
            removed: [],
          },
        ],
      });
      await diffs.putScheduleDiff('diff-1', diff('s-1', null));
      await diffs.putScheduleDiff('diff-1', diff('s-1', '4'));
      await diffs.putScheduleDiff('diff-1', diff('s-2', '7'));
      await diffs.putScheduleDiff('diff-1', diff('s-3', '1'));
      await diffs.putScheduleDiff('diff-2', diff('s-1', '9'));
      await store.damageDiff('diff-1', 's-3', { scheduleId: 's-3' });
      const listed = await store.open().diffs.listScheduleDiffs('diff-1');
      expect(listed.sort((a, b) => a.scheduleId.localeCompare(b.scheduleId))).toEqual([
        diff('s-1', '4'),
        diff('s-2', '7'),
      ]);
      expect(await diffs.listScheduleDiffs('diff-none')).toEqual([]);
      await expect(diffs.putScheduleDiff('../escape', diff('s', '1'))).rejects.toThrow(/not a valid ID/);
    });

    it('prepares idempotently: a second start finds nothing to do', async () => {
      const store = await backend.fresh();
      const stores = store.open();
      await stores.prepare();
      expect(await store.open().prepare()).toEqual([]);
      await stores.close();
      await stores.close();
    });
  });
}
