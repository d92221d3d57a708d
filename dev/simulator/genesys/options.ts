import { z } from 'zod';

const share = z.number().min(0).max(1);

/** The OAuth client the simulator knows unless told otherwise; workers, tests and the demo log in with it. */
export const SIM_CLIENT = { id: 'sim-client', secret: 'sim-secret' } as const;

/** One OAuth client the login host knows (client-credentials grant). */
export const oauthClientSchema = z.object({
  id: z.string().min(1),
  secret: z.string().min(1),
  /** Permissions its tokens carry; a route needing another answers 403 `missing.permissions`. */
  permissions: z.array(z.string()).default(['wfm:schedule:view', 'wfm:schedule:edit']),
});

/** The generated organisation: ids are random UUIDs from `randomSeed`, so a seed always gives the same data. */
export const seedSchema = z.object({
  businessUnits: z.number().int().min(1).default(1),
  managementUnitsPerBu: z.number().int().min(1).default(2),
  agentsPerMu: z.number().int().min(0).default(5),
  /** Weeks (first day, `yyyy-MM-dd`), each with one schedule covering every agent of the business unit. */
  weeks: z.array(z.iso.date()).min(1).default(['2026-03-02']),
  businessUnitTimeZone: z.string().default('America/Chicago'),
  /**
   * Share of agents whose schedule holds time only its owner may change, in turn: approved partial-day time off in
   * the second day's shift (an activity with `timeOffRequestId`, 12:00-16:00 UTC), an approved full-day time off on
   * the fourth day (a `BuFullDayTimeOffMarker`, no shift that day), an activity booked by another system in the third
   * day's shift (`externalActivityId`, 08:00-10:00 UTC).
   */
  timeOffShare: share.default(0),
  /** Whether the seeded schedules are published (a published schedule cannot be unpublished). */
  published: z.boolean().default(true),
});

/**
 * How the simulated Genesys Cloud WFM behaves (reference: docs/reference/genesys-wfm.md). Every fault is
 * off by default; all combine. Shares are probabilities in [0, 1].
 */
export const genesysSimulatorOptionsSchema = z.object({
  clients: z.array(oauthClientSchema).min(1).prefault([SIM_CLIENT]),
  /** Lifetime of an access token, in seconds (§4: Genesys allows 300 to 172800, default 86400). */
  tokenLifetimeSeconds: z.number().int().min(1).default(86_400),
  /** Requests per minute per token (§3: 300 for a client-credentials token). 0 = unlimited. */
  rateLimitPerMinute: z.number().int().min(0).default(300),
  /** Send the `inin-ratelimit-*` headers Genesys removed in 2021 (§3), for old clients. Default off. */
  legacyRateLimitHeaders: z.boolean().default(false),
  /** Every 429 asks for this many seconds instead of the time until the bucket has a token (e.g. 3600 > 180 s). */
  retryAfterSeconds: z.number().int().min(1).optional(),
  /** Share of API requests answered 429 whatever the budget (other integrations share the client's limit). */
  throttleShare: share.default(0),
  /** Largest API request body, in bytes (§3: `request.bytes.max` 512000); beyond it 413. */
  requestBytesMax: z.number().int().min(1).default(512_000),
  /** Largest `contentLengthBytes` an upload URL is issued for (undocumented, §5); beyond it 413. */
  uploadBytesMax: z
    .number()
    .int()
    .min(1)
    .default(50 * 1024 * 1024),
  /** How long an upload URL / upload key and a download URL stay valid, in ms. */
  signedUrlLifetimeMs: z
    .number()
    .int()
    .min(1)
    .default(15 * 60_000),
  seed: seedSchema.default(seedSchema.parse({})),

  /** How `agentschedules/query` answers without `forceAsync`/`forceDownloadService`: relative weights. */
  queryModes: z
    .object({ inline: z.number().min(0), download: z.number().min(0), processing: z.number().min(0) })
    .refine((m) => m.inline + m.download + m.processing > 0, 'at least one query mode needs a weight > 0')
    .default({ inline: 1, download: 0, processing: 0 }),
  /**
   * Download URLs serve the document gzipped as `application/octet-stream` (the encoding is not documented, §8).
   * Default off: plain JSON.
   */
  downloadsGzipped: z.boolean().default(false),
  /**
   * Update answers and notifications carry only `result.metadata.version`, as the model allows (every field of
   * `BuScheduleMetadata` is optional, §8). Default off: the whole metadata.
   */
  minimalResults: z.boolean().default(false),
  /** Share of `update` calls answered `202 Processing` (the rest `200` with the outcome at once). */
  updateProcessingShare: share.default(1),
  /** Time an asynchronous query or update takes before its notification, in ms. */
  processingDelayMs: z.number().int().min(0).default(50),
  /** Share of stale per-agent versions refused at once with 409 (the rest end as `status: Error`, no reason; §2). */
  agentConflictSyncShare: share.default(0),
  /** Share of asynchronous updates that end `Canceled` without applying anything. */
  canceledShare: share.default(0),
  /** Share of notifications sent twice. */
  duplicateNotificationShare: share.default(0),
  /** Interval of the websocket heartbeat message, in ms; 0 = none. */
  heartbeatMs: z.number().int().min(0).default(30_000),

  /** Another writer edits one agent's schedule every this many ms (bumping its version); 0 = never. */
  otherWriterMs: z.number().int().min(0).default(0),
  /** Whether the other writer's edits bump the schedule's `metadata.version` too (not stated in §2). */
  otherWriterBumpsScheduleVersion: z.boolean().default(false),
  /** Share of `update` calls whose update is accepted (and applied) but whose response is lost. */
  lostResponseShare: share.default(0),
  /** Share of API requests answered with one of `failStatuses` before doing anything. */
  failShare: share.default(0),
  failStatuses: z
    .array(z.union([z.literal(500), z.literal(502), z.literal(503), z.literal(504)]))
    .min(1)
    .default([503]),
  /** Share of upload PUTs refused by storage with 403 although they are correct. */
  uploadFailShare: share.default(0),
  /**
   * A WFM that sends its client elsewhere (trust-boundary tests): upload and download URLs on `storageOrigin`, the
   * channel's `connectUri` on `channelOrigin`, and `uploadHeaders` handed out with every upload URL beside the
   * signed ones (storage does not require them). Each unset field leaves the simulator's own.
   */
  hostile: z
    .object({
      storageOrigin: z.string().optional(),
      channelOrigin: z.string().optional(),
      uploadHeaders: z.record(z.string(), z.string()).optional(),
    })
    .default({}),
  /** Added to every API answer, in ms, plus up to `latencyJitterMs` more. */
  latencyMs: z.number().int().min(0).default(0),
  latencyJitterMs: z.number().int().min(0).default(0),
  /** Seed of every random choice (ids, faults), so a run can be repeated. */
  randomSeed: z.number().int().default(1),
});
export type GenesysSimulatorOptions = z.infer<typeof genesysSimulatorOptionsSchema>;
export type GenesysSimulatorOptionsInput = z.input<typeof genesysSimulatorOptionsSchema>;

/** What may change while the simulator runs (`PATCH /_sim/faults`). */
export const genesysFaultPatchSchema = genesysSimulatorOptionsSchema
  .omit({ clients: true, seed: true, randomSeed: true })
  .partial()
  .strict();
