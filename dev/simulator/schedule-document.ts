import { z } from 'zod';

/**
 * The schedule document as docs/wfm-rest-contract.md defines it, written from that document for the simulator alone.
 * The simulator is the oracle the REST adapter is tested against, so it never reads with the adapter's schema
 * (wfm/rest/schedule-document.ts): a mistake there must meet a refusal here.
 */

/** "an ISO-8601 instant with an offset or `Z`" (seconds and fractions optional). */
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
const instant = z
  .string()
  .refine(
    (text) => INSTANT.test(text) && !Number.isNaN(Date.parse(text)),
    'an ISO-8601 instant with an offset or Z',
  );

const MS_PER_MINUTE = 60_000;
const span = (part: { start: string; lengthMinutes: number }) => {
  const from = Date.parse(part.start);
  return { from, to: from + part.lengthMinutes * MS_PER_MINUTE };
};

/** `start`, `lengthMinutes` 1..1440, a non-empty `activityCode`: a shift, and each activity laid over one. */
const timedActivity = {
  start: instant,
  lengthMinutes: z.number().int().min(1).max(1440),
  activityCode: z.string().min(1),
};

/**
 * A shift; fields other than these belong to the server and are kept. Its `activities` lie inside it and do not
 * overlap.
 */
export const documentShiftSchema = z
  .looseObject({ ...timedActivity, activities: z.array(z.looseObject(timedActivity)).optional() })
  .superRefine((shift, ctx) => {
    const outer = span(shift);
    const inner = (shift.activities ?? []).map(span);
    inner.forEach((part, index) => {
      if (part.from < outer.from || part.to > outer.to)
        ctx.addIssue({ code: 'custom', path: ['activities', index], message: 'lies outside its shift' });
      inner.slice(0, index).forEach((earlier, other) => {
        if (part.from < earlier.to && earlier.from < part.to)
          ctx.addIssue({
            code: 'custom',
            path: ['activities', index],
            message: `overlaps activities[${other}]`,
          });
      });
    });
  });
export type DocumentShift = z.infer<typeof documentShiftSchema>;

/** An agent's entry; other fields (`workPlanId`) belong to the server. */
export const documentAgentSchema = z.looseObject({
  agentId: z.string().min(1),
  shifts: z.array(documentShiftSchema),
});
export type DocumentAgent = z.infer<typeof documentAgentSchema>;

/** `GET /api/v2/wfm/schedules/{id}`: other top-level fields (`weekStart`, `timeZone`) belong to the server. */
export const scheduleDocumentSchema = z.looseObject({
  id: z.string().min(1),
  version: z.number().int().nonnegative(),
  agents: z.array(documentAgentSchema),
});
export type ScheduleDocument = z.infer<typeof scheduleDocumentSchema>;
