import { z } from 'zod';
import { RATE_LIMIT_HEADER_MODES } from './rate-limiter';

const rate = z.number().min(0).max(1);

/** How the simulated WFM misbehaves. Every fault is off by default; all combine. */
export const simulatorOptionsSchema = z.object({
  /** Bearer tokens the server accepts. */
  tokens: z.array(z.string().min(1)).min(1).default(['dev-token']),
  /** Share of accepted PUTs that another writer beats to the schedule just before they apply (they get a 409). */
  conflictRate: rate.default(0),
  /** Another writer edits a random agent of a random schedule every this many ms; 0 = never. */
  noiseMs: z.number().int().min(0).default(0),
  /** Requests per second the API sustains (a token bucket); beyond it `429` with Retry-After. 0 = unlimited. */
  rateLimitPerSecond: z.number().min(0).default(0),
  /** Bucket size, in requests: how far a client may burst. Default one second's worth of the rate. */
  rateLimitBurst: z.number().positive().optional(),
  /**
   * Which rate-limit headers every answer carries: `none` (Genesys Cloud since 2021: only Retry-After on a 429),
   * `ietf`, `ietf-structured`, `x-ratelimit` or `genesys-legacy`.
   */
  rateLimitHeaders: z.enum(RATE_LIMIT_HEADER_MODES).default('none'),
  /** The limit changes mid-run (another integration starts), `atMs` after the first request. */
  rateLimitChanges: z
    .array(z.object({ atMs: z.number().min(0), ratePerSecond: z.number().positive() }))
    .default([]),
  /** Share of requests answered 429 whatever the budget: a storm caused by other clients of the same limit. */
  throttleRate: rate.default(0),
  /** Every 429 asks for this many seconds (e.g. an absurd 86400) instead of the time until the bucket refills. */
  retryAfterSeconds: z.number().int().min(1).optional(),
  /** Send Retry-After as an HTTP date instead of seconds. */
  retryAfterDate: z.boolean().default(false),
  /** Share of PUTs that commit and then lose their response (the connection is dropped). */
  lostAckRate: rate.default(0),
  /** Share of requests answered `503` before doing anything. */
  failRate: rate.default(0),
  /** Added to every API response, in ms, plus up to `latencyJitterMs` more. */
  latencyMs: z.number().int().min(0).default(0),
  latencyJitterMs: z.number().int().min(0).default(0),
  /** Seed of the simulator's random choices, so a run can be repeated. */
  randomSeed: z.number().int().default(1),
});
export type SimulatorOptions = z.infer<typeof simulatorOptionsSchema>;
export type SimulatorOptionsInput = z.input<typeof simulatorOptionsSchema>;

/** Faults that can be changed while the simulator runs (`PATCH /_sim/faults`). */
export const faultPatchSchema = simulatorOptionsSchema
  .omit({ tokens: true, randomSeed: true })
  .partial()
  .strict();

/**
 * What a `PATCH /_sim/faults` body names, parsed by `schema` (a `.partial()` object): only the keys the body has. A
 * partial schema still fills in the defaults of the keys it lacks, and a patch must leave those as they are.
 */
export function namedInPatch<T extends object>(parsed: T, body: unknown): Partial<T> {
  const named = typeof body === 'object' && body !== null ? body : {};
  return Object.fromEntries(
    Object.entries(parsed).filter(([key]) => Object.hasOwn(named, key)),
  ) as Partial<T>;
}
