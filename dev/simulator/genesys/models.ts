import { z } from 'zod';

/*
 * The simulator's own reading of the Genesys Cloud SDK models (platform-client-sdk-javascript `build/index.d.ts`:
 * BuAgentScheduleActivity, BuAgentScheduleShift, BuFullDayTimeOffMarker, BuUpdateAgentScheduleShift,
 * BuUpdateAgentScheduleUploadSchema, UpdateScheduleUploadSchema; reference §1.2, §8). Written apart from the product's
 * schemas on purpose: the simulator is the oracle its conformance tests judge the adapter by, so a mistake in the
 * product's schemas must meet a server that reads the models on its own. As the service does, it accepts what the
 * models allow (every field optional unless an update cannot be applied without it) and keeps fields it does not know.
 */

const instant = z.iso.datetime({ offset: true });
const date = z.iso.date();
const minutes = z.number().int().min(0);

/** `BuAgentScheduleActivity`. */
export interface SimActivity {
  /** Fields the simulator does not know are kept, as the service keeps them. */
  [field: string]: unknown;
  startDate: string;
  lengthMinutes: number;
  activityCodeId: string;
  description?: string;
  paid?: boolean;
  payableMinutes?: number;
  timeOffRequestId?: string;
  timeOffRequestSyncVersion?: number;
  externalActivityId?: string;
  externalActivityType?: string;
}

/** `BuAgentScheduleShift` as the simulator holds it. */
export interface SimShift {
  [field: string]: unknown;
  id: string;
  startDate: string;
  lengthMinutes: number;
  activities: SimActivity[];
  manuallyEdited?: boolean;
  schedule?: { id: string; weekDate?: string };
  workPlanId?: string;
  workPlanShiftId?: string;
}

/** `BuFullDayTimeOffMarker`. */
export interface SimFullDayTimeOffMarker {
  businessUnitDate: string;
  lengthMinutes: number;
  activityCodeId: string;
  description?: string;
  paid?: boolean;
  payableMinutes?: number;
  timeOffRequestId?: string;
  timeOffRequestSyncVersion?: number;
}

const activityModel = z.looseObject({
  startDate: instant,
  lengthMinutes: minutes,
  activityCodeId: z.string().min(1),
  // Required in an update (an empty string will do).
  description: z.string(),
  paid: z.boolean().optional(),
  payableMinutes: minutes.optional(),
  timeOffRequestId: z.string().optional(),
  timeOffRequestSyncVersion: z.number().int().optional(),
  externalActivityId: z.string().optional(),
  externalActivityType: z.string().optional(),
});

const valueWrapper = z.looseObject({ value: z.string() });

/** `BuUpdateAgentScheduleShift`: `id` + `delete` removes, `id` edits, no `id` adds. */
const updateShiftModel = z.looseObject({
  id: z.string().min(1).optional(),
  startDate: instant.optional(),
  lengthMinutes: minutes.optional(),
  activities: z.array(activityModel).optional(),
  manuallyEdited: z.boolean().optional(),
  workPlanId: valueWrapper.optional(),
  workPlanShiftId: valueWrapper.optional(),
  delete: z.boolean().optional(),
});
export type SimUpdateShift = z.infer<typeof updateShiftModel>;

const fullDayTimeOffMarkerModel = z.looseObject({
  businessUnitDate: date,
  lengthMinutes: minutes,
  activityCodeId: z.string().min(1),
  description: z.string().optional(),
  paid: z.boolean().optional(),
  payableMinutes: minutes.optional(),
  timeOffRequestId: z.string().optional(),
  timeOffRequestSyncVersion: z.number().int().optional(),
  delete: z.boolean().optional(),
});

/** `UpdateScheduleUploadSchema` with its `BuUpdateAgentScheduleUploadSchema`s: what an upload must hold. */
export const updateUploadModel = z.looseObject({
  metadata: z.looseObject({ version: z.number().int().min(0) }),
  description: z.string().optional(),
  published: z.boolean().optional(),
  agentSchedules: z
    .array(
      z.looseObject({
        userId: z.string().min(1),
        metadata: z.looseObject({ version: z.number().int().min(0) }).optional(),
        delete: z.boolean().optional(),
        shifts: z.array(updateShiftModel).optional(),
        fullDayTimeOffMarkers: z.array(fullDayTimeOffMarkerModel).optional(),
        workPlanId: valueWrapper.optional(),
        workPlanIdsPerWeek: z.looseObject({ values: z.array(z.string().nullable()) }).optional(),
      }),
    )
    .optional(),
});
export type SimUpdateUpload = z.infer<typeof updateUploadModel>;
