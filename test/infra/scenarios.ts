import type { SimulatorOptionsInput } from '../../dev/simulator/options';
import type { PushReport } from '../../model/report';
import type { RequestRecord } from '../../dev/simulator/wfm-simulator';

export interface Scenario {
  name: string;
  schedules: number;
  agents: number;
  simulator: SimulatorOptionsInput;
  /** Worker settings (environment variables) the scenario runs with. */
  worker: Record<string, string>;
}

/**
 * Every fault at once: other writers, conflicts, lost acknowledgements, outages, latency and a rate limit announced by
 * no header, with the worker's default settings (it is not told the limit). The fault-matrix test and
 * `bench/fault-matrix.ts` both run it.
 */
export const FAULT_MATRIX: Scenario = {
  name: 'fault-matrix',
  schedules: 40,
  agents: 2000,
  simulator: {
    noiseMs: 50,
    conflictRate: 0.15,
    lostAckRate: 0.05,
    failRate: 0.05,
    rateLimitPerSecond: 20,
    latencyMs: 20,
    latencyJitterMs: 30,
    randomSeed: 42,
  },
  worker: {},
};

/** The fault matrix without its rate limit: the hostile small push `bench:faults` times against the per-agent script. */
export const HOSTILE: Scenario = {
  ...FAULT_MATRIX,
  name: 'hostile',
  simulator: { ...FAULT_MATRIX.simulator, rateLimitPerSecond: 0 },
};

/**
 * Hot schedules: another writer edits a random agent of a random schedule every 2 ms (each of the 40 schedules about
 * every 80 ms), 20 ms latency, nothing else wrong. The window between a read and its write decides the conflicts.
 */
export const HOT: Scenario = {
  name: 'hot',
  schedules: 40,
  agents: 2000,
  simulator: { noiseMs: 2, latencyMs: 20, randomSeed: 42 },
  worker: {},
};

/**
 * Rate-bound with another writer: 40 schedules × 11 agents against a WFM that allows 4 requests/s (Retry-After only),
 * each schedule edited about every 4 s. A write that waits behind other schedules' reads meets a conflict.
 */
export const RATE_BOUND_WRITER: Scenario = {
  name: 'rate-bound-writer',
  schedules: 40,
  agents: 440,
  simulator: { noiseMs: 100, rateLimitPerSecond: 4, latencyMs: 20, randomSeed: 42 },
  worker: {},
};

export interface PushMetrics {
  requests: number;
  agentsInPlace: number;
  requestsPerLandedAgent: number;
  rateLimited: number;
  /** Share of requests answered 429. */
  rateLimitedShare: number;
  byStatus: Record<string, number>;
}

/** What a push cost the WFM, from the simulator's request log. */
export function pushMetrics(requests: RequestRecord[], report: PushReport): PushMetrics {
  const byStatus: Record<string, number> = {};
  for (const r of requests) byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
  const agentsInPlace = report.totals.agentsChanged + report.totals.agentsAlreadyInPlace;
  const rateLimited = byStatus['429'] ?? 0;
  return {
    requests: requests.length,
    agentsInPlace,
    requestsPerLandedAgent: agentsInPlace === 0 ? Infinity : requests.length / agentsInPlace,
    rateLimited,
    rateLimitedShare: requests.length === 0 ? 0 : rateLimited / requests.length,
    byStatus,
  };
}

export function formatMetrics(m: PushMetrics): string {
  const statuses = Object.entries(m.byStatus)
    .map(([status, n]) => `${n}×${status}`)
    .join(', ');
  return `${m.requests} requests (${statuses}) for ${m.agentsInPlace} agents in place: ${m.requestsPerLandedAgent.toFixed(3)} requests per landed agent, ${(m.rateLimitedShare * 100).toFixed(2)} % answered 429`;
}
