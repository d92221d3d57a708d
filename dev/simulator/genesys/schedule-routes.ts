import { z } from 'zod';
import type { Answer, ApiRequest, SimContext } from './context';
import { badRequest, notFound } from './errors';
import type { BusinessUnit, StoredSchedule } from './store';
import { uuidFrom } from './store';
import { agentScheduleView, scheduleMetadata } from './views';

/** The schedule a path names, with its business unit, or 404. */
export function findSchedule(
  ctx: SimContext,
  params: Record<string, string>,
): { schedule: StoredSchedule; bu: BusinessUnit } {
  const bu = ctx.store.businessUnit(params.buId ?? '');
  if (!bu) throw notFound(`Business unit ${params.buId}`);
  const schedule = ctx.store.schedule(bu.id, params.weekId ?? '', params.scheduleId ?? '');
  if (!schedule) throw notFound(`Schedule ${params.scheduleId}`);
  return { schedule, bu };
}

/** `GET .../weeks/{weekId}/schedules` (§1 #1): `recent` lists every week held. */
export function listSchedules(ctx: SimContext, r: ApiRequest): Answer {
  ctx.auth.require(r.caller, 'wfm:schedule:view');
  const bu = ctx.store.businessUnit(r.params.buId ?? '');
  if (!bu) throw notFound(`Business unit ${r.params.buId}`);
  const entities = ctx.store
    .allSchedules()
    .filter(
      (s) => s.businessUnitId === bu.id && (r.params.weekId === 'recent' || s.weekId === r.params.weekId),
    )
    .map((s) => {
      const { managementUnits: _omitted, ...listed } = scheduleMetadata(s, bu, false);
      return listed;
    });
  return { status: 200, body: { entities } };
}

/** `GET .../schedules/{scheduleId}` (§1 #2); `expand=managementUnits.agents` lists each unit's agents. */
export function getScheduleMetadata(ctx: SimContext, r: ApiRequest): Answer {
  ctx.auth.require(r.caller, 'wfm:schedule:view');
  const { schedule, bu } = findSchedule(ctx, r.params);
  const expand = (r.url.searchParams.get('expand') ?? '').split(',').includes('managementUnits.agents');
  return { status: 200, body: scheduleMetadata(schedule, bu, expand) };
}

const queryBodySchema = z.looseObject({
  managementUnitId: z.string().min(1),
  userIds: z.array(z.string().min(1)).optional(),
  teamIds: z.array(z.string()).optional(),
});

type QueryMode = 'inline' | 'download' | 'processing';

/**
 * `POST .../agentschedules/query` (§1 #3, §5, §7.3): the agents of one management unit (optionally some of them),
 * answered inline, at a signed `downloadUrl`, or `Processing` with the `downloadUrl` later on topic
 * `v2.workforcemanagement.users.{userId}.schedules.query`. A client-credentials token has no user: the simulator
 * uses the OAuth client id as `{userId}` (§6 leaves this open).
 */
export function queryAgentSchedules(ctx: SimContext, r: ApiRequest): Answer {
  ctx.auth.require(r.caller, 'wfm:schedule:view');
  const { schedule, bu } = findSchedule(ctx, r.params);
  const parsed = queryBodySchema.safeParse(r.body);
  if (!parsed.success)
    throw badRequest(parsed.error.issues[0]?.message ?? 'invalid body', pathOf(parsed.error));
  const mu = bu.managementUnits.find((m) => m.id === parsed.data.managementUnitId);
  if (!mu)
    throw badRequest(
      `Management unit ${parsed.data.managementUnitId} is not in the business unit`,
      'managementUnitId',
    );
  const wanted = parsed.data.userIds && new Set(parsed.data.userIds);
  const snapshot = () => ({
    businessUnitTimeZone: bu.timeZone,
    agentSchedules: [...schedule.agents.values()]
      .filter((a) => a.managementUnitId === mu.id && (!wanted || wanted.has(a.userId)))
      .map(agentScheduleView),
  });
  const operationId = uuidFrom(ctx.random);
  const mode = queryMode(ctx, r.url);
  if (mode === 'inline')
    return { status: 200, body: { status: 'Complete', operationId, result: snapshot() } };
  if (mode === 'download')
    return {
      status: 200,
      body: {
        status: 'Complete',
        operationId,
        downloadUrl: ctx.storage.createDownload(ctx.options.hostile.storageOrigin ?? r.origin, snapshot()),
      },
    };
  ctx.later(ctx.options.processingDelayMs, () => {
    const downloadUrl = ctx.storage.createDownload(ctx.options.hostile.storageOrigin ?? r.origin, snapshot());
    ctx.notifications.publish(
      `v2.workforcemanagement.users.${r.caller.clientId}.schedules.query`,
      { operationId, businessUnitId: bu.id, downloadUrl },
      ctx.options.duplicateNotificationShare,
    );
  });
  return { status: 200, body: { status: 'Processing', operationId } };
}

/** `forceAsync` / `forceDownloadService` decide (§5); otherwise the configured weights. */
function queryMode(ctx: SimContext, url: URL): QueryMode {
  if (url.searchParams.get('forceAsync') === 'true') return 'processing';
  if (url.searchParams.get('forceDownloadService') === 'true') return 'download';
  const { inline, download, processing } = ctx.options.queryModes;
  const draw = ctx.random() * (inline + download + processing);
  if (draw < inline) return 'inline';
  return draw < inline + download ? 'download' : 'processing';
}

export function pathOf(error: z.ZodError): string {
  const path = error.issues[0]?.path ?? [];
  return path
    .map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`))
    .join('');
}
