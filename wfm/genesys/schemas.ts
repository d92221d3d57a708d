import { z } from 'zod';

/*
 * The Genesys Cloud WFM shapes the adapter reads and writes (business-unit schedule routes under
 * /api/v2/workforcemanagement/businessunits/{buId}/weeks/{weekId}/schedules), after the SDK models
 * (BuScheduleMetadata, BuAsyncAgentSchedulesQueryResponse, UpdateScheduleUploadResponse, BuAsyncScheduleResponse,
 * UpdateScheduleUploadSchema). Objects are loose: fields Genesys adds later are kept, not stripped, so a read
 * entity can be written back whole. Only what the adapter relies on is required; the rest is optional because
 * Genesys omits empty and null fields.
 */

/** `2026-03-02T14:00:00Z`: Genesys sends UTC instants; an offset is accepted too. */
const instant = z.iso.datetime({ offset: true });
/** `yyyy-MM-dd`, as in `weekDate` and the `{weekId}` path parameter. */
const localDate = z.iso.date();
const minutes = z.number().int().min(0);

const entityRefSchema = z.looseObject({ id: z.string().min(1) });

/** Status of every asynchronous WFM operation (query, update, delete, copy). */
export const asyncStatusSchema = z.enum([
  'Processing',
  'Complete',
  'Canceled',
  'Error',
  'OutdatedSdkVersion',
]);
export type AsyncStatus = z.infer<typeof asyncStatusSchema>;

/**
 * `WfmVersionedEntityMetadata`: the optimistic-concurrency guard. Genesys has no ETag on WFM routes; the version
 * travels in the body, once for the schedule and once per agent schedule.
 */
export const versionedMetadataSchema = z.looseObject({
  version: z.number().int().min(0),
  dateModified: instant.optional(),
  modifiedBy: entityRefSchema.optional(),
  dateCreated: instant.optional(),
  createdBy: entityRefSchema.optional(),
});

/** `ErrorBody`, every field optional; `code` such as `credentials.expired`, `contextId` for support. */
export const genesysErrorBodySchema = z.looseObject({
  message: z.string().optional(),
  code: z.string().optional(),
  status: z.number().int().optional(),
  contextId: z.string().optional(),
  details: z
    .array(
      z.looseObject({
        errorCode: z.string().optional(),
        fieldName: z.string().optional(),
        entityId: z.string().optional(),
        entityName: z.string().optional(),
      }),
    )
    .optional(),
});
export type GenesysErrorBody = z.infer<typeof genesysErrorBodySchema>;

/**
 * `BuScheduleMetadata` as GET schedule answers it (`expand=managementUnits.agents` fills `agents`). Every field is
 * optional in the model; the adapter needs only `metadata.version` (the version an update carries).
 */
export const scheduleMetadataSchema = z.looseObject({
  id: z.string().min(1).optional(),
  weekDate: localDate.optional(),
  weekCount: z.number().int().min(1).optional(),
  description: z.string().optional(),
  published: z.boolean().optional(),
  managementUnits: z
    .array(
      z.looseObject({
        managementUnit: entityRefSchema,
        agentCount: z.number().int().min(0).optional(),
        startDate: instant.optional(),
        endDate: instant.optional(),
        agents: z.array(entityRefSchema).optional(),
      }),
    )
    .optional(),
  metadata: versionedMetadataSchema,
  selfUri: z.string().optional(),
});
export type ScheduleMetadata = z.infer<typeof scheduleMetadataSchema>;

/**
 * The `result` of an update's answer or notification (`BuScheduleMetadata`, every field optional): the new
 * `metadata.version` when present, nothing else relied on.
 */
export const scheduleResultSchema = z.looseObject({
  metadata: z.looseObject({ version: z.number().int().min(0).optional() }).optional(),
});

/** `BuAgentScheduleActivity` as read. (Writes need `description` too: see `updateActivitySchema`.) */
export const activitySchema = z.looseObject({
  startDate: instant,
  lengthMinutes: minutes,
  activityCodeId: z.string().min(1),
  description: z.string().optional(),
  paid: z.boolean().optional(),
  payableMinutes: minutes.optional(),
  timeOffRequestId: z.string().optional(),
  timeOffRequestSyncVersion: z.number().int().optional(),
  externalActivityId: z.string().optional(),
  externalActivityType: z.string().optional(),
});
export type GenesysActivity = z.infer<typeof activitySchema>;

/** `BuFullDayTimeOffMarker`: a day off, placed by business-unit date rather than by instant. */
export const fullDayTimeOffMarkerSchema = z.looseObject({
  businessUnitDate: localDate,
  lengthMinutes: minutes,
  activityCodeId: z.string().min(1),
  description: z.string().optional(),
  startOffsetMinutes: z.number().int().optional(),
  endOffsetMinutes: z.number().int().optional(),
  paid: z.boolean().optional(),
  payableMinutes: minutes.optional(),
  timeOffRequestId: z.string().optional(),
  timeOffRequestSyncVersion: z.number().int().optional(),
  delete: z.boolean().optional(),
});
export type FullDayTimeOffMarker = z.infer<typeof fullDayTimeOffMarkerSchema>;

/** `BuAgentScheduleShift` as read: its `id` is what an update names to change or delete it. */
export const agentScheduleShiftSchema = z.looseObject({
  id: z.string().min(1),
  startDate: instant,
  lengthMinutes: minutes,
  activities: z.array(activitySchema).default([]),
  manuallyEdited: z.boolean().optional(),
  schedule: z.looseObject({ id: z.string(), weekDate: localDate.optional() }).optional(),
  workPlanId: z.string().optional(),
  workPlanShiftId: z.string().optional(),
});
export type GenesysShift = z.infer<typeof agentScheduleShiftSchema>;

/** One agent in a query result, with the per-agent version an update of this agent must carry. */
export const agentScheduleSchema = z.looseObject({
  user: entityRefSchema,
  metadata: versionedMetadataSchema,
  shifts: z.array(agentScheduleShiftSchema).default([]),
  fullDayTimeOffMarkers: z.array(fullDayTimeOffMarkerSchema).default([]),
  workPlan: entityRefSchema.optional(),
  workPlansPerWeek: z.array(entityRefSchema.nullable()).optional(),
});
export type GenesysAgentSchedule = z.infer<typeof agentScheduleSchema>;

/** The agent schedules of a query: inline as `result`, and (assumed, see the report) the document at `downloadUrl`. */
export const agentSchedulesResultSchema = z.looseObject({
  agentSchedules: z.array(agentScheduleSchema).default([]),
  businessUnitTimeZone: z.string().optional(),
});
export type AgentSchedulesResult = z.infer<typeof agentSchedulesResultSchema>;

/**
 * `POST .../agentschedules/query`: three outcomes. `Complete` with the schedules inline (`result`) or, when too big,
 * at `downloadUrl`; or `Processing` with an `operationId` that a notification completes later.
 */
export const agentSchedulesQueryResponseSchema = z
  .looseObject({
    status: asyncStatusSchema,
    operationId: z.string().min(1).optional(),
    progress: z.number().min(0).max(100).optional(),
    downloadUrl: z.url({ protocol: /^https?$/ }).optional(),
    result: agentSchedulesResultSchema.optional(),
  })
  .superRefine((r, ctx) => {
    if (r.status === 'Processing' && r.operationId === undefined)
      ctx.addIssue({ code: 'custom', path: ['operationId'], message: 'required while status is Processing' });
    if (r.status === 'Complete' && r.result === undefined && r.downloadUrl === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['result'],
        message: 'a Complete query carries result or downloadUrl',
      });
  });
export type AgentSchedulesQueryResponse = z.infer<typeof agentSchedulesQueryResponseSchema>;

/**
 * `POST .../update/uploadurl`: where to PUT the gzipped update, with exactly these `headers`; `uploadKey` then names
 * the upload to `POST .../update`. `uploadBodySchema` is always null (it only documents the body in the SDKs).
 */
export const updateUploadUrlResponseSchema = z.looseObject({
  uploadKey: z.string().min(1),
  url: z.url({ protocol: /^https?$/ }),
  headers: z.record(z.string(), z.string()).default({}),
  uploadBodySchema: z.unknown().optional(),
});
export type UpdateUploadUrlResponse = z.infer<typeof updateUploadUrlResponseSchema>;

/**
 * `BuAsyncScheduleResponse` (`POST .../update`, delete, copy): `Complete` (maybe with the new metadata) at once, or
 * `Processing` until the notification for `operationId`. `Error` carries no reason.
 */
export const scheduleAsyncResponseSchema = z
  .looseObject({
    status: asyncStatusSchema,
    operationId: z.string().min(1).optional(),
    result: scheduleResultSchema.optional(),
  })
  .superRefine((r, ctx) => {
    if (r.status === 'Processing' && r.operationId === undefined)
      ctx.addIssue({ code: 'custom', path: ['operationId'], message: 'required while status is Processing' });
  });
export type ScheduleAsyncResponse = z.infer<typeof scheduleAsyncResponseSchema>;

/**
 * A message on topic `v2.workforcemanagement.businessunits.{buId}.schedules`: the end of an operation, matched by
 * `operationId`. `eventType` is kept as text (Update, Import, Copy, Delete today) so a new kind does not fail parsing.
 */
export const schedulesNotificationSchema = z.looseObject({
  status: asyncStatusSchema,
  operationId: z.string().min(1),
  eventType: z.string().optional(),
  result: scheduleResultSchema.optional(),
});
export type SchedulesNotification = z.infer<typeof schedulesNotificationSchema>;

/** A message on `v2.workforcemanagement.users.{userId}.schedules.query`: an async query's result is ready. */
export const agentSchedulesQueryNotificationSchema = z.looseObject({
  operationId: z.string().min(1),
  businessUnitId: z.string().optional(),
  downloadUrl: z.url({ protocol: /^https?$/ }),
});
export type AgentSchedulesQueryNotification = z.infer<typeof agentSchedulesQueryNotificationSchema>;

/** `{ "value": ... }`: how an update says "set this field" apart from "leave it". */
const valueWrapperSchema = z.looseObject({ value: z.string() });

/** An activity in an update: `description` is required here (an empty string will do). */
export const updateActivitySchema = activitySchema.extend({ description: z.string() });
export type UpdateActivity = z.infer<typeof updateActivitySchema>;

/**
 * `BuUpdateAgentScheduleShift`: every field optional in the SDK (a delete needs only `id` + `delete`); a new or
 * replaced shift needs `startDate`, `lengthMinutes` and `activities` in practice.
 */
export const updateShiftSchema = z.looseObject({
  id: z.string().min(1).optional(),
  startDate: instant.optional(),
  lengthMinutes: minutes.optional(),
  activities: z.array(updateActivitySchema).optional(),
  manuallyEdited: z.boolean().optional(),
  workPlanId: valueWrapperSchema.optional(),
  workPlanShiftId: valueWrapperSchema.optional(),
  delete: z.boolean().optional(),
});
export type UpdateShift = z.infer<typeof updateShiftSchema>;

/** `BuUpdateAgentScheduleUploadSchema`: `metadata.version` is required for an agent that already has a schedule. */
export const updateAgentScheduleSchema = z.looseObject({
  userId: z.string().min(1),
  metadata: z.looseObject({ version: z.number().int().min(0) }).optional(),
  delete: z.boolean().optional(),
  shifts: z.array(updateShiftSchema).optional(),
  fullDayTimeOffMarkers: z.array(fullDayTimeOffMarkerSchema).optional(),
  workPlanId: valueWrapperSchema.optional(),
  workPlanIdsPerWeek: z.looseObject({ values: z.array(z.string().nullable()) }).optional(),
});
export type UpdateAgentSchedule = z.infer<typeof updateAgentScheduleSchema>;

/** `UpdateScheduleUploadSchema`: the JSON that is gzipped and PUT to the upload URL. */
export const scheduleUpdateUploadSchema = z.looseObject({
  metadata: z.looseObject({ version: z.number().int().min(0) }),
  description: z.string().optional(),
  published: z.boolean().optional(),
  agentSchedules: z.array(updateAgentScheduleSchema).optional(),
});
export type ScheduleUpdateUpload = z.infer<typeof scheduleUpdateUploadSchema>;

/** `POST /api/v2/notifications/channels` (§6): the channel and the websocket URL its notifications arrive on. */
export const notificationChannelSchema = z.looseObject({
  id: z.string().min(1),
  connectUri: z.url({ protocol: /^wss?$/ }),
  expires: instant.optional(),
});
export type NotificationChannel = z.infer<typeof notificationChannelSchema>;

/**
 * The answer to subscribing topics (`ChannelTopicEntityListing`): each topic with its `state` and, when refused, why
 * and which permissions the caller lacks. Every field optional, as in the model.
 */
export const subscriptionsAnswerSchema = z.looseObject({
  entities: z
    .array(
      z.looseObject({
        id: z.string(),
        state: z.string().optional(),
        rejectionReason: z.string().optional(),
        missingPermissions: z.array(z.string()).optional(),
      }),
    )
    .default([]),
});

/**
 * One message on a channel's websocket: `{ topicName, eventBody, version?, metadata? }`. Topic `channel.metadata`
 * carries heartbeats and pongs; every other topic an event whose body is checked against the topic's schema.
 */
export const channelMessageSchema = z.looseObject({
  topicName: z.string().min(1),
  eventBody: z.unknown(),
});
