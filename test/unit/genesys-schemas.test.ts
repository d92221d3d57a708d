import type { z } from 'zod';
import {
  agentSchedulesQueryResponseSchema,
  genesysErrorBodySchema,
  scheduleAsyncResponseSchema,
  scheduleMetadataSchema,
  schedulesNotificationSchema,
  scheduleUpdateUploadSchema,
  updateUploadUrlResponseSchema,
} from '../../wfm/genesys/schemas';

const SCHEDULE_ID = '5b5a6c4e-35a1-4f2f-9a57-0c1f6b0d2a11';
const MU_ID = '1d7e5e4a-1234-4bcd-8e8e-0a0b0c0d0e0f';
const AGENT = '9f4b7f0e-aaaa-4bbb-8ccc-000000000001';

/** GET .../schedules/{id}?expand=managementUnits.agents, as the SDK model has it, with a field we do not model. */
const scheduleMetadata = {
  id: SCHEDULE_ID,
  weekDate: '2026-03-02',
  weekCount: 1,
  description: 'March week 1',
  published: true,
  shortTermForecast: { id: 'stf-1', weekDate: '2026-03-02', selfUri: '/api/v2/…' },
  generationResults: { failed: false, runId: 'run-1', selfUri: '/api/v2/…' },
  managementUnits: [
    {
      managementUnit: { id: MU_ID, selfUri: `/api/v2/workforcemanagement/managementunits/${MU_ID}` },
      agentCount: 1,
      startDate: '2026-03-02T06:00:00Z',
      endDate: '2026-03-09T06:00:00Z',
      agents: [{ id: AGENT }],
    },
  ],
  metadata: {
    version: 7,
    dateModified: '2026-02-27T10:15:00.123Z',
    modifiedBy: { id: 'admin-1', selfUri: '/api/v2/users/admin-1' },
  },
  selfUri: `/api/v2/workforcemanagement/businessunits/bu-1/weeks/2026-03-02/schedules/${SCHEDULE_ID}`,
  someFutureField: { nested: true },
};

const activity = {
  startDate: '2026-03-02T14:00:00Z',
  lengthMinutes: 480,
  description: '',
  activityCodeId: '0',
  paid: true,
  payableMinutes: 480,
};

const agentSchedule = {
  user: { id: AGENT, selfUri: `/api/v2/users/${AGENT}` },
  workPlan: { id: 'wp-1' },
  workPlansPerWeek: [{ id: 'wp-1' }, null],
  metadata: { version: 3, dateModified: '2026-02-27T10:15:00Z' },
  shifts: [
    {
      id: 'shift-1',
      startDate: '2026-03-02T14:00:00Z',
      lengthMinutes: 480,
      manuallyEdited: true,
      schedule: { id: SCHEDULE_ID, weekDate: '2026-03-02' },
      workPlanShiftId: 'wps-1',
      activities: [activity],
    },
  ],
  fullDayTimeOffMarkers: [
    {
      businessUnitDate: '2026-03-04',
      lengthMinutes: 480,
      description: 'PTO',
      activityCodeId: '5',
      paid: true,
    },
  ],
};

/** The path zod reports for the first problem, as a dotted string. */
function firstProblemPath(schema: z.ZodType, value: unknown): string {
  const result = schema.safeParse(value);
  if (result.success) throw new Error('expected the value to be refused');
  return result.error.issues[0]?.path.map(String).join('.') ?? '';
}

describe('Genesys schemas', () => {
  it('reads schedule metadata with its version and agents, keeping fields it does not model', () => {
    const parsed = scheduleMetadataSchema.parse(scheduleMetadata);
    expect(parsed.metadata.version).toBe(7);
    expect(parsed.managementUnits?.[0]?.agents).toEqual([{ id: AGENT }]);
    expect(parsed).toEqual(scheduleMetadata);
    expect((parsed as Record<string, unknown>).someFutureField).toEqual({ nested: true });
  });

  it('names the path of a missing schedule version', () => {
    const { metadata: _m, ...rest } = scheduleMetadata;
    expect(firstProblemPath(scheduleMetadataSchema, { ...rest, metadata: { dateModified: 'x' } })).toBe(
      'metadata.version',
    );
    expect(firstProblemPath(scheduleMetadataSchema, { ...scheduleMetadata, weekDate: '02/03/2026' })).toBe(
      'weekDate',
    );
  });

  it('reads an inline query result with per-agent versions, shifts and activities', () => {
    const response = {
      status: 'Complete',
      operationId: 'op-1',
      result: { businessUnitTimeZone: 'America/Chicago', agentSchedules: [agentSchedule] },
    };
    const parsed = agentSchedulesQueryResponseSchema.parse(response);
    expect(parsed).toEqual(response);
    const agent = parsed.result?.agentSchedules[0];
    expect(agent?.metadata.version).toBe(3);
    expect(agent?.shifts[0]?.activities[0]?.activityCodeId).toBe('0');
  });

  it('reads an agent Genesys sent without empty lists as having none', () => {
    const parsed = agentSchedulesQueryResponseSchema.parse({
      status: 'Complete',
      result: { agentSchedules: [{ user: { id: AGENT }, metadata: { version: 1 } }] },
    });
    expect(parsed.result?.agentSchedules[0]).toEqual({
      user: { id: AGENT },
      metadata: { version: 1 },
      shifts: [],
      fullDayTimeOffMarkers: [],
    });
  });

  it('reads the download and processing outcomes of a query', () => {
    const download = agentSchedulesQueryResponseSchema.parse({
      status: 'Complete',
      operationId: 'op-2',
      downloadUrl: 'https://download.example/agent-schedules/op-2?sig=abc',
    });
    expect(download.result).toBeUndefined();
    expect(download.downloadUrl).toMatch(/^https:/);
    const processing = agentSchedulesQueryResponseSchema.parse({
      status: 'Processing',
      operationId: 'op-3',
      progress: 0,
    });
    expect(processing.operationId).toBe('op-3');
  });

  it('refuses a query outcome it could not act on, by path', () => {
    expect(firstProblemPath(agentSchedulesQueryResponseSchema, { status: 'Processing' })).toBe('operationId');
    expect(
      firstProblemPath(agentSchedulesQueryResponseSchema, { status: 'Complete', operationId: 'o' }),
    ).toBe('result');
    expect(firstProblemPath(agentSchedulesQueryResponseSchema, { status: 'Done', operationId: 'o' })).toBe(
      'status',
    );
    const noCode = { ...activity, activityCodeId: undefined };
    const badAgent = { ...agentSchedule, shifts: [{ ...agentSchedule.shifts[0], activities: [noCode] }] };
    expect(
      firstProblemPath(agentSchedulesQueryResponseSchema, {
        status: 'Complete',
        result: { agentSchedules: [agentSchedule, badAgent] },
      }),
    ).toBe('result.agentSchedules.1.shifts.0.activities.0.activityCodeId');
  });

  it('reads an upload URL answer with the headers the PUT must carry', () => {
    const answer = {
      uploadKey: 'userUploads/schedule/update/bu-1/abc.json.gz',
      url: 'https://upload.example/bucket/abc.json.gz?X-Amz-Signature=f00',
      headers: { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip', 'x-amz-tagging': 'a=b' },
      uploadBodySchema: null,
    };
    expect(updateUploadUrlResponseSchema.parse(answer)).toEqual(answer);
    expect(
      updateUploadUrlResponseSchema.parse({ uploadKey: 'k', url: 'https://u.example/k' }).headers,
    ).toEqual({});
    expect(firstProblemPath(updateUploadUrlResponseSchema, { ...answer, url: 'file:///etc/passwd' })).toBe(
      'url',
    );
    expect(firstProblemPath(updateUploadUrlResponseSchema, { ...answer, headers: { 'X-A': 1 } })).toBe(
      'headers.X-A',
    );
  });

  it('reads update answers: Processing with an operation, Complete with the new metadata', () => {
    expect(scheduleAsyncResponseSchema.parse({ status: 'Processing', operationId: 'op-4' }).status).toBe(
      'Processing',
    );
    const complete = scheduleAsyncResponseSchema.parse({
      status: 'Complete',
      operationId: 'op-5',
      result: { ...scheduleMetadata, metadata: { version: 8 } },
    });
    expect(complete.result?.metadata?.version).toBe(8);
    expect(firstProblemPath(scheduleAsyncResponseSchema, { status: 'Processing' })).toBe('operationId');
  });

  it('reads schedule notifications, an Error one having no reason at all', () => {
    const error = { status: 'Error', operationId: 'op-4', eventType: 'Update' };
    expect(schedulesNotificationSchema.parse(error)).toEqual(error);
    const done = schedulesNotificationSchema.parse({
      status: 'Complete',
      operationId: 'op-4',
      eventType: 'Update',
      result: { ...scheduleMetadata, metadata: { version: 8 } },
    });
    expect(done.result?.metadata?.version).toBe(8);
    expect(firstProblemPath(schedulesNotificationSchema, { status: 'Complete', eventType: 'Update' })).toBe(
      'operationId',
    );
  });

  it('checks an update upload body, where an activity needs its description', () => {
    const body = {
      metadata: { version: 7 },
      agentSchedules: [
        {
          userId: AGENT,
          metadata: { version: 3 },
          shifts: [
            { id: 'shift-1', delete: true },
            { startDate: '2026-03-03T14:00:00Z', lengthMinutes: 480, activities: [activity] },
          ],
          workPlanId: { value: 'wp-1' },
        },
      ],
    };
    expect(scheduleUpdateUploadSchema.parse(body)).toEqual(body);
    const noDescription = { ...activity, description: undefined };
    const bad = {
      ...body,
      agentSchedules: [
        {
          ...body.agentSchedules[0],
          shifts: [{ ...body.agentSchedules[0]?.shifts[1], activities: [noDescription] }],
        },
      ],
    };
    expect(firstProblemPath(scheduleUpdateUploadSchema, bad)).toBe(
      'agentSchedules.0.shifts.0.activities.0.description',
    );
    expect(firstProblemPath(scheduleUpdateUploadSchema, { agentSchedules: [] })).toBe('metadata');
  });

  it('reads a Genesys error body with its code and correlation id', () => {
    const body = {
      message: 'Rate limit exceeded the maximum. Retry the request in [42] seconds',
      code: 'too.many.requests.retry.after',
      status: 429,
      contextId: 'ctx-1',
      details: [],
      errors: [],
    };
    expect(genesysErrorBodySchema.parse(body)).toEqual(body);
  });
});
