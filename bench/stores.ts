/**
 * The plan and result stores at the size of a large push: `npm run bench:stores [-- SCHEDULES]` (default 10,000
 * schedules × 10 agents), for the local folder and for PostgreSQL (a throwaway cluster on this machine: loopback,
 * fsync off). What it times is what a push does to its store: the client stores the plan; the workflow reads it in
 * pages of 200; each sync reads its schedule; each child records a result; the report reads the whole plan and every
 * result. "A new process" is a new store object: empty caches, a new pool.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensurePostgresBinaries, startThrowawayPostgres } from '../test/infra/postgres';
import { generateSample } from '../dev/sample';
import { emptyScheduleResult } from '../model/report';
import { createStores, type Stores, type StoresSettings } from '../stores/create-stores';
import { alsoOnInterrupt, machine } from './support';

const SCHEDULES = Number(process.argv[2] ?? 10_000);
const AGENTS_PER_SCHEDULE = 10;
const PAGE = 200;
const LOOKUPS = 1_000;
const RESULTS_IN_FLIGHT = 20;

interface Figures {
  store: string;
  putPlanMs: number;
  firstPageMs: number;
  allPagesMs: number;
  lookupAvgMs: number;
  wholePlanMs: number;
  putResultsMs: number;
  listResultsMs: number;
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const value = await fn();
  return [value, performance.now() - started];
}

async function measure(name: string, settings: StoresSettings): Promise<Figures> {
  const id = `bench-${Date.now()}`;
  const { plan } = generateSample({
    schedules: SCHEDULES,
    agents: SCHEDULES * AGENTS_PER_SCHEDULE,
    idPrefix: id,
    planId: id,
  });
  const opened: Stores[] = [];
  const open = () => {
    const stores = createStores(settings);
    opened.push(stores);
    return stores;
  };
  try {
    await open().prepare();
    const [ref, putPlanMs] = await timed(() => open().plans.put(plan));

    const pager = open().plans;
    const [, firstPageMs] = await timed(() => pager.getSchedules(ref, 0, PAGE));
    const [pages, allPagesMs] = await timed(async () => {
      let read = 0;
      for (let offset = 0; offset < SCHEDULES; offset += PAGE)
        read += (await pager.getSchedules(ref, offset, PAGE)).length;
      return read;
    });
    if (pages !== SCHEDULES) throw new Error(`paged ${pages} schedules of ${SCHEDULES}`);

    const syncer = open().plans;
    await syncer.getSchedule(ref, plan.schedules[0]!.scheduleId);
    const [, lookupsMs] = await timed(async () => {
      for (let i = 0; i < LOOKUPS; i++) {
        const { scheduleId } = plan.schedules[(i * 7_919) % SCHEDULES]!;
        if (!(await syncer.getSchedule(ref, scheduleId))) throw new Error(`lost ${scheduleId}`);
      }
    });

    const [, wholePlanMs] = await timed(() => open().plans.get(ref));

    const results = open().results;
    const [, putResultsMs] = await timed(async () => {
      for (let i = 0; i < SCHEDULES; i += RESULTS_IN_FLIGHT)
        await Promise.all(
          plan.schedules.slice(i, i + RESULTS_IN_FLIGHT).map((s) =>
            results.putResult(
              { planId: plan.planId },
              {
                ...emptyScheduleResult(s.scheduleId, s.agents.length),
                outcome: 'landed',
                agentsChanged: s.agents.length,
              },
            ),
          ),
        );
    });
    const [listed, listResultsMs] = await timed(() => open().results.listResults({ planId: plan.planId }));
    if (listed.results.length !== SCHEDULES) throw new Error(`listed ${listed.results.length} results`);
    return {
      store: name,
      putPlanMs,
      firstPageMs,
      allPagesMs,
      lookupAvgMs: lookupsMs / LOOKUPS,
      wholePlanMs,
      putResultsMs,
      listResultsMs,
    };
  } finally {
    await Promise.all(opened.map((s) => s.close()));
  }
}

async function main(): Promise<void> {
  const folder = mkdtempSync(path.join(os.tmpdir(), 'wfm-push-bench-stores-'));
  const postgres = await startThrowawayPostgres();
  const stopPostgres = alsoOnInterrupt(() => postgres.stop());
  try {
    await postgres.createDatabase('bench');
    const figures = [
      await measure('local folder', { dataDir: folder }),
      await measure('PostgreSQL', {
        dataDir: folder,
        store: { kind: 'postgres', url: postgres.url('bench'), poolMax: 10 },
      }),
    ];
    const ms = (v: number) => v.toFixed(v < 1 ? 3 : v < 10 ? 2 : 0);
    console.log(
      `\nStores, ${SCHEDULES} schedules × ${AGENTS_PER_SCHEDULE} agents (${machine()}; PostgreSQL ${path.basename(
        path.dirname(await ensurePostgresBinaries()),
      )} on loopback, fsync off)`,
    );
    const rows: Array<[string, (f: Figures) => string]> = [
      ['store the plan (ms)', (f) => ms(f.putPlanMs)],
      [`first page of ${PAGE}, new process (ms)`, (f) => ms(f.firstPageMs)],
      [`all ${Math.ceil(SCHEDULES / PAGE)} pages after it (ms)`, (f) => ms(f.allPagesMs)],
      [`one schedule by ID, avg of ${LOOKUPS} (ms)`, (f) => ms(f.lookupAvgMs)],
      ['whole plan, new process (ms)', (f) => ms(f.wholePlanMs)],
      [`${SCHEDULES} results, ${RESULTS_IN_FLIGHT} at once (ms)`, (f) => ms(f.putResultsMs)],
      [`list ${SCHEDULES} results, new process (ms)`, (f) => ms(f.listResultsMs)],
    ];
    console.log(`| | ${figures.map((f) => f.store).join(' | ')} |`);
    console.log(`|---|${figures.map(() => '---:').join('|')}|`);
    for (const [label, value] of rows) console.log(`| ${label} | ${figures.map(value).join(' | ')} |`);
  } finally {
    await stopPostgres();
    rmSync(folder, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
