import { z } from 'zod';
import { shiftSchema } from '../../model/shift';

/** A shift as the server holds it: any field the server adds (an id, a flag) is kept and sent back. */
const documentShiftSchema = shiftSchema.loose();

/**
 * An agent's entry in a REST WFM schedule document. Unknown fields are kept (`loose`) because the server owns them
 * and a PUT must send them back unchanged.
 */
export const documentAgentSchema = z.looseObject({
  agentId: z.string().min(1),
  shifts: z.array(documentShiftSchema),
});
export type DocumentAgent = z.infer<typeof documentAgentSchema>;

/** The REST WFM schedule document (`GET /api/v2/wfm/schedules/{id}`); other top-level fields are kept as they are. */
export const scheduleDocumentSchema = z.looseObject({
  id: z.string().min(1),
  version: z.number().int().nonnegative(),
  agents: z.array(documentAgentSchema),
});
export type ScheduleDocument = z.infer<typeof scheduleDocumentSchema>;
