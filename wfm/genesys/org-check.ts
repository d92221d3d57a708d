import { gzipSync } from 'node:zlib';
import { ApplicationFailure } from '@temporalio/common';
import { WfmHttp } from '../http-client';
import { OutboundPolicy, uploadHeaders } from '../url-policy';
import { downloadedJson, isGzip } from './download';
import { parseAnswer, postJson } from './json-http';
import {
  GenesysNotifications,
  agentQueryTopic,
  schedulesTopic,
  type NotificationChannelEvent,
  type OutcomeSource,
} from './notifications';
import type { GenesysOAuthTokens } from './oauth';
import {
  agentSchedulesQueryResponseSchema,
  agentSchedulesResultSchema,
  scheduleAsyncResponseSchema,
  scheduleMetadataSchema,
  updateUploadUrlResponseSchema,
  type ScheduleMetadata,
} from './schemas';
import { z } from 'zod';

/** One thing `wfm-push genesys check` looked at: passed, failed, or observed (a fact, neither good nor bad). */
export interface CheckLine {
  probe: string;
  result: 'ok' | 'failed' | 'observed' | 'skipped';
  detail: string;
}

export interface OrgCheckInput {
  apiBaseUrl: string;
  loginBaseUrl: string;
  clientId: string;
  tokens: GenesysOAuthTokens;
  /** The `{id}` of the agent-query notification topic (GENESYS_QUERY_NOTIFY_ID, default the OAuth client id). */
  queryNotifyId: string;
  businessUnitId: string;
  weekId: string;
  /** Default: the week's first schedule. */
  scheduleId?: string;
  /** Write probes on this agent (no-op updates in an unpublished schedule only). */
  writeTestAgent?: string;
  /** How long a notification may take, in ms. Default 30 s. */
  waitMs?: number;
  /** Where upload, download and channel URLs may point, as the worker's policy says. Default: the API's host only. */
  outbound?: OutboundPolicy;
}

const scheduleListSchema = z.looseObject({
  entities: z.array(z.looseObject({ id: z.string(), published: z.boolean().optional() })).default([]),
});

/**
 * Checks what a push needs of a real Genesys Cloud organisation, read-only unless a test agent is named: the OAuth
 * client and region, the business unit's week and schedule, a notification channel and its subscriptions, agent
 * queries answered asynchronously and by download; with a test agent, no-op updates in an unpublished schedule that
 * record the upload URL's header names, how a stale schedule or agent version is refused (409 at once, or `Error`
 * later), and whether an agent's edit moves the schedule's version. These are the facts the reference marks
 * UNVERIFIED (§8); the lines are meant to be pasted into an issue.
 */
export async function checkGenesysOrg(input: OrgCheckInput): Promise<CheckLine[]> {
  const lines: CheckLine[] = [];
  const note = (probe: string, result: CheckLine['result'], detail: string) =>
    lines.push({ probe, result, detail });
  const http = new WfmHttp({ tokens: input.tokens, correlationHeader: 'inin-correlation-id' });
  const events: NotificationChannelEvent[] = [];
  const outbound =
    input.outbound ??
    new OutboundPolicy({ ownUrls: [input.apiBaseUrl, input.loginBaseUrl], allowedHosts: [] });
  const notifications = new GenesysNotifications({
    apiBaseUrl: input.apiBaseUrl,
    http,
    outbound,
    onEvent: (e) => events.push(e),
  });
  const waitMs = input.waitMs ?? 30_000;
  const bu = `${input.apiBaseUrl.replace(/\/$/, '')}/api/v2/workforcemanagement/businessunits/${encodeURIComponent(input.businessUnitId)}`;
  try {
    try {
      await input.tokens.token();
      note(
        'oauth',
        'ok',
        `client ${input.clientId} got a token from ${input.loginBaseUrl}; API ${input.apiBaseUrl}`,
      );
    } catch (err) {
      note('oauth', 'failed', message(err));
      return lines;
    }

    let scheduleUrl: string;
    let metadata: ScheduleMetadata;
    try {
      const what = `list schedules of week ${input.weekId}`;
      const listed = parseAnswer(
        what,
        scheduleListSchema,
        await http.send(what, {
          method: 'GET',
          url: `${bu}/weeks/${encodeURIComponent(input.weekId)}/schedules`,
        }),
      );
      const scheduleId = input.scheduleId ?? listed.entities[0]?.id;
      if (!scheduleId) {
        note(
          'business unit',
          'failed',
          `no schedule in week ${input.weekId} of business unit ${input.businessUnitId}`,
        );
        return lines;
      }
      note(
        'business unit',
        'ok',
        `${listed.entities.length} schedule(s) in week ${input.weekId}; checking ${scheduleId}`,
      );
      scheduleUrl = `${bu}/weeks/${encodeURIComponent(input.weekId)}/schedules/${encodeURIComponent(scheduleId)}`;
      const got = 'GET schedule';
      metadata = parseAnswer(
        got,
        scheduleMetadataSchema,
        await http.send(got, { method: 'GET', url: `${scheduleUrl}?expand=managementUnits.agents` }),
      );
      const units = metadata.managementUnits ?? [];
      const agents = units.reduce((n, u) => n + (u.agents?.length ?? 0), 0);
      note(
        'schedule',
        'ok',
        `version ${metadata.metadata.version}, ${metadata.published ? 'published' : 'unpublished'}, ${units.length} management unit(s), ${agents} agent(s)`,
      );
    } catch (err) {
      note('business unit', 'failed', message(err));
      return lines;
    }

    const queryTopic = agentQueryTopic(input.queryNotifyId);
    for (const topic of [schedulesTopic(input.businessUnitId), queryTopic]) {
      const subscribed = await notifications.watchTopic(topic);
      const refused = notifications.refusal(topic);
      note(
        'subscription',
        subscribed ? 'ok' : 'failed',
        subscribed ? `${topic}: permitted` : `${topic}: ${refused ?? describeChannelTrouble(events)}`,
      );
    }

    const unit = metadata.managementUnits?.find((u) => (u.agents?.length ?? 0) > 0);
    const someAgent = input.writeTestAgent ?? unit?.agents?.[0]?.id;
    const unitOfAgent = metadata.managementUnits?.find((u) => u.agents?.some((a) => a.id === someAgent))
      ?.managementUnit.id;
    if (!someAgent || !unitOfAgent) note('agent query', 'skipped', 'no agent in the schedule');
    else
      for (const flag of ['forceAsync', 'forceDownloadService'] as const) {
        try {
          note(
            `query ${flag}`,
            'observed',
            await probeQuery(
              http,
              notifications,
              { outbound, source: { topic: queryTopic } },
              scheduleUrl,
              unitOfAgent,
              someAgent,
              flag,
              waitMs,
            ),
          );
        } catch (err) {
          note(`query ${flag}`, 'failed', message(err));
        }
      }

    if (!input.writeTestAgent) {
      note(
        'write probes',
        'skipped',
        'read-only (--write-test-agent <userId> runs them, in an unpublished schedule)',
      );
      return lines;
    }
    if (metadata.published !== false || !unitOfAgent) {
      note(
        'write probes',
        'skipped',
        !unitOfAgent
          ? `agent ${input.writeTestAgent} is not in the schedule`
          : 'the schedule is published: write probes run only in a draft (unpublished) week',
      );
      return lines;
    }
    for (const line of await probeWrites(
      http,
      notifications,
      { outbound, source: { topic: schedulesTopic(input.businessUnitId) } },
      scheduleUrl,
      unitOfAgent,
      input.writeTestAgent,
      waitMs,
    ))
      lines.push(line);
    return lines;
  } finally {
    await notifications.close();
  }
}

/** What a probe follows as the worker would: the outbound policy, and the notification source of its operations. */
interface ProbeRules {
  outbound: OutboundPolicy;
  source: OutcomeSource;
}

async function probeQuery(
  http: WfmHttp,
  notifications: GenesysNotifications,
  { outbound, source }: ProbeRules,
  scheduleUrl: string,
  managementUnitId: string,
  userId: string,
  flag: 'forceAsync' | 'forceDownloadService',
  waitMs: number,
): Promise<string> {
  const what = `query ${flag}`;
  const started = Date.now();
  const answer = parseAnswer(
    what,
    agentSchedulesQueryResponseSchema,
    await http.send(
      what,
      postJson(`${scheduleUrl}/agentschedules/query?${flag}=true`, { managementUnitId, userIds: [userId] }),
    ),
  );
  let downloadUrl = answer.downloadUrl;
  let how = `answered ${answer.status}${answer.result ? ' inline' : ''}`;
  if (answer.status === 'Processing' && answer.operationId) {
    const outcome = await notifications.outcome(source, answer.operationId, waitMs);
    if (!outcome?.downloadUrl) return `${how}; no notification within ${waitMs / 1000} s`;
    downloadUrl = outcome.downloadUrl;
    how += `, notified after ${Date.now() - started} ms`;
  }
  if (!downloadUrl) return how;
  // The worker would refuse it: say so, with the host (GENESYS_STORAGE_HOSTS can allow it).
  const allowed = await outbound.check(downloadUrl);
  if (!allowed.ok) return `${how}; download URL refused by the outbound policy: ${allowed.reason}`;
  const download = await http.send(what, { method: 'GET', url: downloadUrl, authorize: false, json: false });
  const gzipped = isGzip(download.bytes);
  const result = downloadedJson(what, agentSchedulesResultSchema, download.bytes);
  return `${how}; download host ${new URL(downloadUrl).host}, content-type ${download.headers.get('content-type') ?? '(none)'}, ${gzipped ? 'gzip' : 'not gzipped'}, ${download.bytes.length} bytes, ${result.agentSchedules.length} agent(s)`;
}

/** No-op updates of one agent: the flow, then a stale schedule version, then a stale agent version. */
async function probeWrites(
  http: WfmHttp,
  notifications: GenesysNotifications,
  { outbound, source }: ProbeRules,
  scheduleUrl: string,
  managementUnitId: string,
  userId: string,
  waitMs: number,
): Promise<CheckLine[]> {
  const lines: CheckLine[] = [];
  const state = async () => {
    const meta = parseAnswer(
      'GET schedule',
      scheduleMetadataSchema,
      await http.send('GET schedule', { method: 'GET', url: scheduleUrl }),
    );
    const query = parseAnswer(
      'query agent',
      agentSchedulesQueryResponseSchema,
      await http.send(
        'query agent',
        postJson(`${scheduleUrl}/agentschedules/query`, { managementUnitId, userIds: [userId] }),
      ),
    );
    const agent = query.result?.agentSchedules.find((a) => a.user.id === userId);
    return { scheduleVersion: meta.metadata.version, agentVersion: agent?.metadata.version };
  };
  const update = async (scheduleVersion: number, agentVersion: number | undefined) => {
    const body = gzipSync(
      JSON.stringify({
        metadata: { version: scheduleVersion },
        agentSchedules: [
          {
            userId,
            ...(agentVersion === undefined ? {} : { metadata: { version: agentVersion } }),
            shifts: [],
          },
        ],
      }),
    );
    const target = parseAnswer(
      'upload url',
      updateUploadUrlResponseSchema,
      await http.send(
        'upload url',
        postJson(`${scheduleUrl}/update/uploadurl`, { contentLengthBytes: body.length }),
      ),
    );
    await outbound.require('upload', target.url);
    await http.send('upload', {
      method: 'PUT',
      url: target.url,
      headers: uploadHeaders(target.headers),
      body,
      authorize: false,
      json: false,
    });
    try {
      const started = parseAnswer(
        'update',
        scheduleAsyncResponseSchema,
        await http.send('update', postJson(`${scheduleUrl}/update`, { uploadKey: target.uploadKey })),
      );
      if (started.status !== 'Processing' || !started.operationId)
        return { target, outcome: `answered ${started.status} at once` };
      const done = await notifications.outcome(source, started.operationId, waitMs);
      return {
        target,
        outcome: done
          ? `Processing, then ${done.status} by notification`
          : `Processing, no notification within ${waitMs / 1000} s`,
      };
    } catch (err) {
      return { target, outcome: `refused at once: ${message(err)}` };
    }
  };
  try {
    const before = await state();
    const first = await update(before.scheduleVersion, before.agentVersion);
    lines.push({
      probe: 'upload url',
      result: 'observed',
      detail: `host ${new URL(first.target.url).host}, header names: ${Object.keys(first.target.headers).join(', ') || '(none)'}`,
    });
    const after = await state();
    lines.push({ probe: 'no-op update', result: 'observed', detail: first.outcome });
    lines.push({
      probe: 'schedule version',
      result: 'observed',
      detail: `an edit of one agent moved the schedule version ${before.scheduleVersion} → ${after.scheduleVersion}${after.scheduleVersion === before.scheduleVersion ? ' (it did not move)' : ''}`,
    });
    const staleSchedule = await update(after.scheduleVersion - 1, after.agentVersion);
    lines.push({ probe: 'stale schedule version', result: 'observed', detail: staleSchedule.outcome });
    const staleAgent = await update(after.scheduleVersion, (after.agentVersion ?? 1) - 1);
    lines.push({ probe: 'stale agent version', result: 'observed', detail: staleAgent.outcome });
  } catch (err) {
    lines.push({ probe: 'write probes', result: 'failed', detail: message(err) });
  }
  return lines;
}

function describeChannelTrouble(events: NotificationChannelEvent[]): string {
  const last = events.filter((e) => e.kind === 'unavailable' || e.kind === 'closed').at(-1);
  return last && 'reason' in last ? `no channel (${last.reason})` : 'not subscribed';
}

function message(err: unknown): string {
  if (err instanceof ApplicationFailure) return `${err.type ?? 'Error'}: ${err.message}`;
  return err instanceof Error ? err.message : String(err);
}

/** The lines as a person pastes them into an issue. */
export function formatCheck(lines: readonly CheckLine[]): string {
  const width = Math.max(...lines.map((l) => l.probe.length));
  return lines.map((l) => `${l.result.padEnd(8)} ${l.probe.padEnd(width)}  ${l.detail}`).join('\n');
}
