import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import { generateSample } from '../../dev/sample';
import { checkGenesysInvariants } from '../../dev/genesys-invariants';
import { createGenesysSimulator, type GenesysSimulator } from '../../dev/simulator/genesys/genesys-simulator';
import { sampleGenesysPlan } from '../../dev/simulator/genesys/sample-org';
import { state } from '../../dev/simulator/genesys/test-only-routes';
import { listen, type RunningSimulator } from '../../dev/simulator/server';
import { cancelPush, pushProgress, retryPush, submitPush, waitForReport } from '../../client/push-client';
import type { Plan } from '../../model/plan';
import { loadTenantSettings } from '../../wfm/tenants';
import { Harness, uniqueId } from '../support/harness';
import { byLabel, parsePrometheusText, sumOf, type Sample } from '../support/prometheus-text';
import { eventually, waitUntil } from '../support/wait-until';

/**
 * One worker, three tenants at once (issue 23): two Genesys Cloud organisations (two simulators, each knowing only its
 * own OAuth client) and one REST WFM (a simulator taking only its own token).
 */
describe('tenants: one worker, two Genesys organisations and a REST WFM', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await Harness.create();
  });
  afterEach(() => h.afterEach());
  afterAll(() => h.teardown());

  const ACME = { id: 'acme-client', secret: 'acme-secret-0123' };
  const GLOBEX = { id: 'globex-client', secret: 'globex-secret-4567' };
  const INITECH_TOKEN = 'initech-token-89ab';

  /** Every Authorization header a host received, API, login, storage and WebSocket upgrades alike. */
  async function listenRecording(
    sim: GenesysSimulator,
  ): Promise<RunningSimulator & { credentials: string[] }> {
    const credentials: string[] = [];
    const seen = (req: IncomingMessage) => {
      if (req.headers.authorization !== undefined) credentials.push(req.headers.authorization);
    };
    const running = await listen({
      handle: (req, res) => {
        seen(req);
        sim.handle(req, res);
      },
      handleUpgrade: (req, socket) => {
        seen(req);
        sim.handleUpgrade(req, socket);
      },
      start: () => sim.start(),
      stop: () => sim.stop(),
    });
    return { ...running, credentials };
  }

  function genesysOrg(client: { id: string; secret: string }, randomSeed: number, extra = {}) {
    return createGenesysSimulator({
      clients: [client],
      seed: {
        businessUnits: 1,
        managementUnitsPerBu: 2,
        agentsPerMu: 5,
        weeks: ['2026-03-02', '2026-03-09'],
      },
      randomSeed,
      processingDelayMs: 20,
      ...extra,
    });
  }

  /** The tenants file and the environment its references point into. */
  function tenantsEnv(acmeUrl: string, globexUrl: string, initechUrl: string, acmeExtra = {}) {
    const secretFile = path.join(h.dataDir, `acme-secret-${uniqueId('f')}`);
    writeFileSync(secretFile, ACME.secret);
    chmodSync(secretFile, 0o600);
    const file = path.join(h.dataDir, `tenants-${uniqueId('f')}.json`);
    writeFileSync(
      file,
      JSON.stringify({
        acme: {
          api: 'genesys',
          baseUrl: acmeUrl,
          loginUrl: acmeUrl,
          clientId: ACME.id,
          clientSecretFile: secretFile,
          ...acmeExtra,
        },
        globex: {
          api: 'genesys',
          baseUrl: globexUrl,
          loginUrl: globexUrl,
          clientId: GLOBEX.id,
          clientSecretEnv: 'GLOBEX_SECRET',
        },
        initech: { api: 'rest', baseUrl: initechUrl, tokenEnv: 'INITECH_TOKEN' },
      }),
    );
    return { WFM_TENANTS_FILE: file, GLOBEX_SECRET: GLOBEX.secret, INITECH_TOKEN };
  }

  const basic = (c: { id: string; secret: string }) =>
    `Basic ${Buffer.from(`${c.id}:${c.secret}`).toString('base64')}`;

  /** Only the host's own client's Basic credentials and bearer tokens that host itself issued. */
  function foreignCredentials(sim: GenesysSimulator, client: { id: string; secret: string }, seen: string[]) {
    return seen.filter((header) => {
      if (header === basic(client)) return false;
      const bearer = /^Bearer (\S+)$/i.exec(header)?.[1];
      return !(bearer !== undefined && sim.auth.issued.has(bearer));
    });
  }

  it("pushes each tenant's plan to its own WFM, and each tenant's credentials reach only its own hosts", async () => {
    const acmeSim = genesysOrg(ACME, 11);
    const globexSim = genesysOrg(GLOBEX, 22);
    const acme = await listenRecording(acmeSim);
    const globex = await listenRecording(globexSim);
    try {
      const id = uniqueId('initech');
      const { documents, plan: restPlan } = generateSample({
        schedules: 3,
        agents: 15,
        idPrefix: id,
        planId: id,
      });
      const initech = await h.startSimulator({ tokens: [INITECH_TOKEN] }, documents);
      const queue = h.uniqueQueue('tenants');
      await h.startWorkers(h.settings(queue, initech.url, tenantsEnv(acme.url, globex.url, initech.url)));

      const plans: Plan[] = [
        {
          ...sampleGenesysPlan(acmeSim.store.allSchedules(), { agentsPerSchedule: 4 }),
          planId: uniqueId('acme'),
          tenant: 'acme',
        },
        {
          ...sampleGenesysPlan(globexSim.store.allSchedules(), { agentsPerSchedule: 3 }),
          planId: uniqueId('globex'),
          tenant: 'globex',
        },
        { ...restPlan, tenant: 'initech' },
      ];
      const reports = await Promise.all(plans.map((plan) => h.push(plan, queue)));
      for (const report of reports)
        expect(report.totals).toMatchObject({ schedulesFailed: 0, agentsFailed: 0 });
      expect(reports.map((r) => r.totals.agentsChanged)).toEqual([
        8,
        6,
        restPlan.schedules.reduce((n, s) => n + s.agents.length, 0),
      ]);

      // Each organisation holds its own plan and was written only by its own tenant's pushes.
      const [acmePlan, globexPlan] = plans as [Plan, Plan];
      expect(
        checkGenesysInvariants({ plan: acmePlan, state: state(acmeSim), commits: acmeSim.store.commits }),
      ).toEqual([]);
      expect(
        checkGenesysInvariants({
          plan: globexPlan,
          state: state(globexSim),
          commits: globexSim.store.commits,
        }),
      ).toEqual([]);
      expect(acmeSim.store.commits.filter((c) => c.writer === 'api')).toHaveLength(2);
      expect(globexSim.store.commits.filter((c) => c.writer === 'api')).toHaveLength(2);
      expect(await h.violations(initech.api, restPlan, reports[2]!)).toEqual([]);

      // Credentials: each host saw its own and nothing else; the REST WFM refused nothing (it takes only its token).
      expect(acme.credentials.length).toBeGreaterThan(0);
      expect(globex.credentials.length).toBeGreaterThan(0);
      expect(foreignCredentials(acmeSim, ACME, acme.credentials)).toEqual([]);
      expect(foreignCredentials(globexSim, GLOBEX, globex.credentials)).toEqual([]);
      expect(acmeSim.requests.every((r) => r.clientId === ACME.id)).toBe(true);
      expect(globexSim.requests.every((r) => r.clientId === GLOBEX.id)).toBe(true);
      expect(initech.sim.requests.length).toBeGreaterThan(0);
      expect(initech.sim.requests.filter((r) => r.status === 401)).toEqual([]);

      // The UI finds a tenant's pushes by `Tenant`: the bulk push and each of its schedules.
      const acmeWorkflows = async () => {
        const found: string[] = [];
        const query = `Tenant = "acme" AND BulkPushId = "${acmePlan.planId}"`;
        for await (const w of h.client.workflow.list({ query })) found.push(w.workflowId);
        return found.sort();
      };
      await waitUntil(
        "acme's pushes visible by Tenant",
        async () => (await acmeWorkflows()).length === 3,
        10_000,
      );
      expect(await acmeWorkflows()).toEqual(
        [
          `bulk-push:acme/${acmePlan.planId}`,
          ...acmePlan.schedules.map((x) => `schedule-push:acme/${x.scheduleId}`),
        ].sort(),
      );
    } finally {
      await acme.close();
      await globex.close();
    }
  });

  it("a 429 storm in one organisation holds only its own sync slots and leaves another's push at its own pace", async () => {
    // Acme answers most requests 429 and asks for 20 s each time: its syncs wait it out inside their attempts, so
    // each holds a sync slot for as long. The worker has two slots for plans without a tenant and two per tenant; acme
    // plans four schedules. With shared slots, acme's first two syncs would hold them all and globex's would wait
    // behind them for well over 20 s; one rate controller for the worker would pause globex's requests as long.
    // Both organisations hold the same schedule IDs (same seed): one writer per schedule is per tenant, so Globex's
    // schedules never wait for Acme's.
    const seed = {
      businessUnits: 2,
      managementUnitsPerBu: 2,
      agentsPerMu: 5,
      weeks: ['2026-03-02', '2026-03-09'],
    };
    const acmeSim = genesysOrg(ACME, 33, { seed, throttleShare: 0.9, retryAfterSeconds: 20 });
    const globexSim = genesysOrg(GLOBEX, 33);
    const acme = await listenRecording(acmeSim);
    const globex = await listenRecording(globexSim);
    try {
      const queue = h.uniqueQueue('storm');
      const { metricsUrl } = await h.startWorkers(
        h.settings(queue, 'http://127.0.0.1:9', {
          ...tenantsEnv(acme.url, globex.url, 'http://127.0.0.1:9'),
          WFM_MAX_CONCURRENT_REQUESTS: '2',
          WFM_TENANT_MAX_SYNCS: '2',
          WFM_PUSH_METRICS_ADDRESS: '127.0.0.1:0',
        }),
      );
      const ctx = h.context(queue);
      const acmePlan: Plan = {
        ...sampleGenesysPlan(acmeSim.store.allSchedules()),
        planId: uniqueId('storm'),
        tenant: 'acme',
      };
      expect(acmePlan.schedules).toHaveLength(4);
      await submitPush(ctx, acmePlan);
      // The storm is on: acme has been refused at least once, and both its slots are taken, before globex starts.
      const STARTED = temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED;
      /** Of acme's pending syncs: how many run on a worker, how many wait in the queue. */
      const acmeSyncs = async () => {
        let running = 0;
        let pending = 0;
        for (const s of acmePlan.schedules) {
          const handle = h.client.workflow.getHandle(`schedule-push:acme/${s.scheduleId}`);
          const described = await handle.describe().catch(() => undefined);
          for (const a of described?.raw.pendingActivities ?? []) {
            pending++;
            if (a.state === STARTED) running++;
          }
        }
        return { running, pending };
      };
      await waitUntil(
        'acme refused and its two slots taken',
        async () => acmeSim.requests.some((r) => r.status === 429) && (await acmeSyncs()).running === 2,
        30_000,
      );

      const started = Date.now();
      const globexPlan: Plan = {
        ...sampleGenesysPlan(globexSim.store.allSchedules()),
        planId: uniqueId('calm'),
        tenant: 'globex',
      };
      // Bounded: with shared slots the push would wait for acme's storm to end (never, in this test).
      const report = await Promise.race([
        h.push(globexPlan, queue),
        new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 40_000).unref()),
      ]);
      const seconds = (Date.now() - started) / 1000;
      expect(report?.totals).toMatchObject({ schedulesFailed: 0, agentsFailed: 0, agentsChanged: 20 });
      expect(seconds).toBeLessThan(15);
      expect(globexSim.requests.filter((r) => r.status === 429)).toEqual([]);
      // Acme never ran more than its two syncs at once: the other two wait on the server, in its own queue.
      expect(await acmeSyncs()).toEqual({ running: 2, pending: 4 });
      const scheduleId = globexPlan.schedules[0]!.scheduleId;
      expect(acmePlan.schedules.map((x) => x.scheduleId)).toContain(scheduleId);
      const child = await h.client.workflow.getHandle(`schedule-push:globex/${scheduleId}`).describe();
      expect(child.status.name).toBe('COMPLETED');
      // The tenant is the push's fairness key, and its schedules inherit it.
      expect(child.priority?.fairnessKey).toBe('globex');
      const parent = await h.client.workflow.getHandle(`bulk-push:globex/${globexPlan.planId}`).describe();
      expect(parent.priority?.fairnessKey).toBe('globex');
      // Acme is still waiting out its own storm.
      expect(acmeSim.store.commits.filter((c) => c.writer === 'api').length).toBeLessThan(4);

      // /metrics tells the tenants apart: each one's requests, pauses and rate under its own `tenant` label, the
      // worker's own WFM under none, and no label value that is not in the tenants file.
      const scrape = async () => parsePrometheusText(await (await fetch(metricsUrl!)).text());
      const globexByStatus = (samples: Sample[]) =>
        byLabel(
          samples.filter((x) => x.labels.tenant === 'globex'),
          'wfm_push_wfm_requests_total',
          'status',
        );
      // The simulator logs its API requests (not the uploads to storage): globex's count at least those, none refused.
      const samples = await eventually(async () => {
        const parsed = await scrape();
        const total = Object.values(globexByStatus(parsed)).reduce((a, b) => a + b, 0);
        expect(total).toBeGreaterThanOrEqual(globexSim.requests.length);
        return parsed;
      }, 10_000);
      expect(Object.keys(globexByStatus(samples)).filter((x) => !/^2\d\d$/.test(x))).toEqual([]);
      const acme429 = sumOf(samples, 'wfm_push_wfm_requests_total', { tenant: 'acme', status: '429' });
      expect(acme429).toBeGreaterThan(0);
      expect(acme429).toBeLessThanOrEqual(acmeSim.requests.filter((r) => r.status === 429).length);
      expect(sumOf(samples, 'wfm_push_retry_after_pauses_total', { tenant: 'acme' })).toBeGreaterThan(0);
      const pauses = samples.filter((x) => x.name === 'wfm_push_retry_after_pauses_total');
      expect(pauses.find((x) => x.labels.tenant === 'globex')?.value).toBe(0);
      expect(pauses.find((x) => x.labels.tenant === undefined)?.value).toBe(0);
      const rates = samples.filter((x) => x.name === 'wfm_push_rate_limit_per_second');
      expect(rates.find((x) => x.labels.tenant === 'globex')?.value).toBeGreaterThan(0);
      expect(rates.find((x) => x.labels.tenant === undefined)).toBeDefined();
      const tenantLabels = new Set(
        samples.flatMap((x) => (x.labels.tenant === undefined ? [] : [x.labels.tenant])),
      );
      expect([...tenantLabels].sort()).toEqual(['acme', 'globex', 'initech']);
      await cancelPush(h.client, acmePlan.planId, 'acme');
    } finally {
      await acme.close();
      await globex.close();
    }
  });

  it("a tenant's maxSchedulesInFlight clamps its push's window", async () => {
    // Every acme request is refused for 20 s: schedules that start stay in flight, so the window is what is seen.
    const seed = {
      businessUnits: 2,
      managementUnitsPerBu: 1,
      agentsPerMu: 2,
      weeks: ['2026-03-02', '2026-03-09'],
    };
    const acmeSim = genesysOrg(ACME, 44, { seed, throttleShare: 1, retryAfterSeconds: 20 });
    const acme = await listenRecording(acmeSim);
    try {
      const queue = h.uniqueQueue('window');
      await h.startWorkers(
        h.settings(
          queue,
          'http://127.0.0.1:9',
          tenantsEnv(acme.url, acme.url, 'http://127.0.0.1:9', { maxSchedulesInFlight: 1 }),
        ),
      );
      const plan: Plan = {
        ...sampleGenesysPlan(acmeSim.store.allSchedules()),
        planId: uniqueId('window'),
        tenant: 'acme',
      };
      expect(plan.schedules).toHaveLength(4);
      await submitPush(h.context(queue), plan, { maxInFlight: 10 });
      await waitUntil(
        'the push started a schedule and acme refused it',
        async () =>
          ((await pushProgress(h.client, plan.planId, plan.tenant))?.inFlight ?? 0) > 0 &&
          acmeSim.requests.some((r) => r.status === 429),
        30_000,
      );
      await new Promise((resolve) => setTimeout(resolve, 1000));
      // Asked for ten, the push runs one schedule at a time: the tenant's cap.
      expect(await pushProgress(h.client, plan.planId, plan.tenant)).toMatchObject({
        inFlight: 1,
        totals: { schedulesDone: 0 },
      });
      await cancelPush(h.client, plan.planId, plan.tenant);
    } finally {
      await acme.close();
    }
  });

  it('a plan naming a tenant the worker does not know (removed from the file) fails every schedule, saying why', async () => {
    const acmeSim = genesysOrg(ACME, 55);
    const acme = await listenRecording(acmeSim);
    try {
      const queue = h.uniqueQueue('removed');
      await h.startWorkers(
        h.settings(queue, 'http://127.0.0.1:9', tenantsEnv(acme.url, acme.url, 'http://127.0.0.1:9')),
      );
      const ctx = h.context(queue);
      // A client with an older tenants file stored and started it; the worker's file no longer names the tenant.
      const plan: Plan = {
        ...sampleGenesysPlan(acmeSim.store.allSchedules()),
        planId: uniqueId('gone'),
        tenant: 'hooli',
      };
      await submitPush(ctx, plan);
      const report = await waitForReport(ctx, plan.planId, undefined, undefined, 'hooli');
      expect(report.totals).toMatchObject({ schedules: 2, schedulesFailed: 2 });
      for (const line of report.schedules)
        expect(line.failure).toMatchObject({
          type: 'UnknownTenant',
          message: expect.stringMatching(/tenant "hooli" is not in this worker's WFM_TENANTS_FILE/),
        });
      expect(acmeSim.requests).toEqual([]);
      expect(acme.credentials).toEqual([]);
      // A retry goes to the same tenant (and fails the same way), never to the worker's own WFM.
      expect(await retryPush(ctx, plan.planId, {}, 'hooli')).toBeDefined();
      const again = await waitForReport(ctx, plan.planId, undefined, undefined, 'hooli');
      for (const line of again.schedules) expect(line.failure).toMatchObject({ type: 'UnknownTenant' });
    } finally {
      await acme.close();
    }
  });

  it('a reload without restart: a removed tenant fails its new pushes, the others go on', async () => {
    const acmeSim = genesysOrg(ACME, 66);
    const globexSim = genesysOrg(GLOBEX, 77);
    const acme = await listenRecording(acmeSim);
    const globex = await listenRecording(globexSim);
    try {
      const queue = h.uniqueQueue('reload');
      const env = tenantsEnv(acme.url, globex.url, 'http://127.0.0.1:9');
      const workers = await h.startWorkers(h.settings(queue, 'http://127.0.0.1:9', env));
      const ctx = h.context(queue);
      const first: Plan = {
        ...sampleGenesysPlan(acmeSim.store.allSchedules()),
        planId: uniqueId('before'),
        tenant: 'acme',
      };
      expect((await h.push(first, queue)).totals).toMatchObject({ schedulesFailed: 0 });

      expect(await workers.tenantSlots()).toEqual({ acme: 10, globex: 10, initech: 10 });

      // Globex leaves the file and acme gets three sync slots (what SIGHUP does in `wfm-push worker`).
      const file = JSON.parse(readFileSync(env.WFM_TENANTS_FILE, 'utf8')) as Record<
        string,
        Record<string, unknown>
      >;
      delete file.globex;
      file.acme = { ...file.acme, maxSyncs: 3 };
      writeFileSync(env.WFM_TENANTS_FILE, JSON.stringify(file));
      expect(workers.reloadTenants(loadTenantSettings(env.WFM_TENANTS_FILE, env))).toEqual({
        added: [],
        removed: ['globex'],
        changed: [],
      });
      // Acme's syncs run on a new worker with three slots; globex's keeps polling (its syncs end UnknownTenant).
      expect(await workers.tenantSlots()).toEqual({ acme: 3, globex: 10, initech: 10 });

      const gone: Plan = {
        ...sampleGenesysPlan(globexSim.store.allSchedules()),
        planId: uniqueId('gone'),
        tenant: 'globex',
      };
      await submitPush(ctx, gone);
      const report = await waitForReport(ctx, gone.planId, undefined, undefined, 'globex');
      expect(report.totals).toMatchObject({ schedules: 2, schedulesFailed: 2 });
      for (const line of report.schedules) expect(line.failure).toMatchObject({ type: 'UnknownTenant' });
      expect(globexSim.requests).toEqual([]);

      // Acme goes on, on the port it had (same token: no new login).
      const logins = acme.credentials.filter((c) => c.startsWith('Basic ')).length;
      const requestsBefore = acmeSim.requests.length;
      const second: Plan = {
        ...sampleGenesysPlan(acmeSim.store.allSchedules(), { agentsPerSchedule: 2 }),
        planId: uniqueId('after'),
        tenant: 'acme',
      };
      // Its agents already hold what the first push wrote: read with the token it had, nothing to write.
      expect((await h.push(second, queue)).totals).toMatchObject({
        schedulesFailed: 0,
        agentsAlreadyInPlace: 4,
      });
      expect(acmeSim.requests.length).toBeGreaterThan(requestsBefore);
      expect(acme.credentials.filter((c) => c.startsWith('Basic ')).length).toBe(logins);
    } finally {
      await acme.close();
      await globex.close();
    }
  });
});
