import type { Answer, ApiRequest, SimContext } from './context';
import { listActivityCodes, listBusinessUnits, listManagementUnits } from './org-routes';
import { getScheduleMetadata, listSchedules, queryAgentSchedules } from './schedule-routes';
import { createUploadUrl, startUpdate } from './update-routes';

export interface Route {
  method: string;
  pattern: RegExp;
  handler: (ctx: SimContext, r: ApiRequest) => Answer;
}

const BU = '/api/v2/workforcemanagement/businessunits/(?<buId>[^/]+)';
const SCHEDULE = `${BU}/weeks/(?<weekId>[^/]+)/schedules/(?<scheduleId>[^/]+)`;
const CHANNEL = '/api/v2/notifications/channels/(?<channelId>[^/]+)/subscriptions';

const route = (method: string, path: string, handler: Route['handler']): Route => ({
  method,
  pattern: new RegExp(`^${path}$`),
  handler,
});

/** The API routes the simulator serves (§1 table rows 1-6, §6 channels; the organisation's listings). */
export const API_ROUTES: Route[] = [
  route('GET', '/api/v2/workforcemanagement/businessunits', listBusinessUnits),
  route('GET', `${BU}/managementunits`, listManagementUnits),
  route('GET', `${BU}/activitycodes`, listActivityCodes),
  route('GET', `${BU}/weeks/(?<weekId>[^/]+)/schedules`, listSchedules),
  route('GET', SCHEDULE, getScheduleMetadata),
  route('POST', `${SCHEDULE}/agentschedules/query`, queryAgentSchedules),
  route('POST', `${SCHEDULE}/update/uploadurl`, createUploadUrl),
  route('POST', `${SCHEDULE}/update`, startUpdate),
  route('POST', '/api/v2/notifications/channels', (ctx, r) => ({
    status: 200,
    body: ctx.notifications.createChannel(
      r.caller,
      ctx.options.hostile.channelOrigin ?? r.origin.replace(/^http/, 'ws'),
    ),
  })),
  route('GET', CHANNEL, (ctx, r) => ({
    status: 200,
    body: ctx.notifications.subscriptions(r.caller, r.params.channelId ?? ''),
  })),
  route('PUT', CHANNEL, (ctx, r) => ({
    status: 200,
    body: ctx.notifications.subscribe(r.caller, r.params.channelId ?? '', r.body, true),
  })),
  route('POST', CHANNEL, (ctx, r) => ({
    status: 200,
    body: ctx.notifications.subscribe(r.caller, r.params.channelId ?? '', r.body, false),
  })),
];

export function matchRoute(
  routes: Route[],
  method: string,
  path: string,
): { handler: Route['handler']; params: Record<string, string> } | undefined {
  for (const r of routes) {
    if (r.method !== method) continue;
    const match = r.pattern.exec(path);
    if (!match) continue;
    const params: Record<string, string> = {};
    for (const [k, v] of Object.entries(match.groups ?? {})) params[k] = decodeURIComponent(v);
    return { handler: r.handler, params };
  }
  return undefined;
}
