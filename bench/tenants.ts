/**
 * Two Genesys Cloud organisations served by one deployment (issue 23): `npm run bench:tenants [-- BIG SMALL]
 * [--workers N] [--per-minute R]`.
 *
 * Tenant `big` pushes one business-unit week of BIG planned agents (default 3,000, in management units of 1,000);
 * tenant `small` pushes a fix of SMALL planned agents (default 40). Each organisation is its own simulator with its own
 * OAuth client, allowing R requests a minute per token (default 60; a bucket of one minute's budget, no rate-limit
 * headers, as Genesys Cloud). Worker processes (default 1) on default settings serve both from WFM_TENANTS_FILE.
 * Three phases on fresh organisations and workers: the small push alone, the big one alone, then the big one with the
 * small one submitted 1 s later. Prints each push's time beside the other against its time alone, the requests its
 * organisation accepted (and the rate floor they imply), its 429s and the invariants checked on its commit log.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { pushContext } from '../client/context';
import { submitPush, waitForReport } from '../client/push-client';
import { checkGenesysInvariants } from '../dev/genesys-invariants';
import { createGenesysSimulator } from '../dev/simulator/genesys/genesys-simulator';
import { sampleGenesysPlan } from '../dev/simulator/genesys/sample-org';
import { listenGenesys } from '../dev/simulator/genesys/server';
import { state } from '../dev/simulator/genesys/test-only-routes';
import type { Plan } from '../model/plan';
import type { PushReport } from '../model/report';
import { benchEnv, machine, startBenchWorker } from './support';

// Positional numbers only (a flag's value is not one).
const numbers = process.argv
  .slice(2)
  .filter((a, i, all) => /^\d+$/.test(a) && !(all[i - 1] ?? '').startsWith('--'));
const BIG = Number(numbers[0] ?? 3000);
const SMALL = Number(numbers[1] ?? 40);
const workersAt = process.argv.indexOf('--workers');
const WORKERS = workersAt > 0 ? Number(process.argv[workersAt + 1]) : 1;
const perMinuteAt = process.argv.indexOf('--per-minute');
const PER_MINUTE = perMinuteAt > 0 ? Number(process.argv[perMinuteAt + 1]) : 60;
const WEEK = '2026-12-07';

const CLIENTS = {
  big: { id: 'big-org-client', secret: 'big-org-secret-0123456789' },
  small: { id: 'small-org-client', secret: 'small-org-secret-0123456789' },
};

function organisation(client: { id: string; secret: string }, managementUnits: number, agentsPerMu: number) {
  return createGenesysSimulator({
    clients: [client],
    seed: {
      businessUnits: 1,
      managementUnitsPerBu: managementUnits,
      agentsPerMu,
      weeks: [WEEK],
      businessUnitTimeZone: 'Asia/Singapore',
    },
    rateLimitPerMinute: PER_MINUTE,
  });
}

interface Landed {
  name: 'big' | 'small';
  seconds: number;
  inPlace: number;
  planned: number;
  sent: number;
  refused: number;
  violations: number;
}

/**
 * One phase on fresh organisations and fresh workers: the pushes named (`big`, `small` or both, the small one 1 s
 * after the big one), each timed from its submission to its report.
 */
async function phase(which: readonly ('big' | 'small')[]): Promise<Landed[]> {
  const bigMus = Math.max(1, Math.ceil(BIG / 1000));
  const sims = {
    big: organisation(CLIENTS.big, bigMus, Math.ceil(BIG / bigMus)),
    small: organisation(CLIENTS.small, 1, SMALL + 20),
  };
  const big = await listenGenesys(sims.big);
  const small = await listenGenesys(sims.small);
  const env = await benchEnv();
  const id = `tenants-${Date.now()}`;
  const tenantsFile = path.join(env.dataDir, 'tenants.json');
  writeFileSync(
    tenantsFile,
    JSON.stringify({
      big: {
        api: 'genesys',
        baseUrl: big.url,
        loginUrl: big.url,
        clientId: CLIENTS.big.id,
        clientSecretEnv: 'BIG_ORG_SECRET',
      },
      small: {
        api: 'genesys',
        baseUrl: small.url,
        loginUrl: small.url,
        clientId: CLIENTS.small.id,
        clientSecretEnv: 'SMALL_ORG_SECRET',
      },
    }),
  );
  const workers = await Promise.all(
    Array.from({ length: WORKERS }, (_, i) =>
      startBenchWorker(env, `${id}-worker-${i + 1}`, {
        WFM_PUSH_TASK_QUEUE: id,
        WFM_TENANTS_FILE: tenantsFile,
        BIG_ORG_SECRET: CLIENTS.big.secret,
        SMALL_ORG_SECRET: CLIENTS.small.secret,
      }),
    ),
  );
  try {
    const ctx = pushContext(env.client, { dataDir: env.dataDir, taskQueue: id });
    const plans: Record<'big' | 'small', Plan> = {
      big: {
        ...sampleGenesysPlan(sims.big.store.allSchedules(), { agentsPerSchedule: BIG }),
        planId: `${id}-big`,
        tenant: 'big',
      },
      small: {
        ...sampleGenesysPlan(sims.small.store.allSchedules(), { agentsPerSchedule: SMALL }),
        planId: `${id}-small`,
        tenant: 'small',
      },
    };
    const timed = async (name: 'big' | 'small'): Promise<Landed> => {
      const started = Date.now();
      await submitPush(ctx, plans[name]);
      const report: PushReport = await waitForReport(ctx, plans[name].planId);
      const seconds = (Date.now() - started) / 1000;
      const t = report.totals;
      const sim = sims[name];
      const api = sim.requests.filter((r) => r.path.startsWith('/api/'));
      return {
        name,
        seconds,
        inPlace: t.agentsChanged + t.agentsAlreadyInPlace,
        planned: t.agentsPlanned,
        sent: api.length,
        refused: api.filter((r) => r.status === 429).length,
        violations: checkGenesysInvariants({
          plan: plans[name],
          state: state(sim),
          commits: sim.store.commits,
        }).length,
      };
    };
    const runs: Promise<Landed>[] = [];
    for (const name of which) {
      if (runs.length > 0) await new Promise((resolve) => setTimeout(resolve, 1000));
      runs.push(timed(name));
    }
    return await Promise.all(runs);
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
    await env.close();
    await big.close();
    await small.close();
  }
}

/** The least time `n` requests take against a bucket of a minute's budget refilled at PER_MINUTE (no latency). */
function floorSeconds(n: number): number {
  return (Math.max(0, n - PER_MINUTE) * 60) / PER_MINUTE;
}

async function main(): Promise<void> {
  const alone = [...(await phase(['small'])), ...(await phase(['big']))];
  const together = await phase(['big', 'small']);
  console.log(`bench:tenants, default worker settings, ${WORKERS} worker process(es); machine: ${machine()}`);
  console.log(
    `two Genesys organisations, each its own OAuth client and ${PER_MINUTE} requests/minute per token (a bucket of one minute's budget, no headers); big: one business-unit week, ${BIG} planned agents; small: ${SMALL} planned agents, started 1 s after the big one`,
  );
  for (const name of ['small', 'big'] as const) {
    const a = alone.find((r) => r.name === name);
    const t = together.find((r) => r.name === name);
    if (!a || !t) continue;
    const floor = floorSeconds(t.sent - t.refused);
    console.log(
      `${name.padEnd(5)}: alone ${a.seconds.toFixed(1)} s; beside the other ${t.seconds.toFixed(1)} s (${(t.seconds / a.seconds).toFixed(2)} × alone), ${t.inPlace}/${t.planned} in place, ${t.sent - t.refused} requests accepted (rate floor ${floor.toFixed(1)} s), ${t.refused} answered 429, invariant violations ${t.violations + a.violations}`,
    );
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
