import { gzipSync } from 'node:zlib';
import { createGenesysSimulator, type GenesysSimulator } from '../../dev/simulator/genesys/genesys-simulator';
import type { GenesysSimulatorOptionsInput } from '../../dev/simulator/genesys/options';
import { listenGenesys, type RunningGenesysSimulator } from '../../dev/simulator/genesys/server';
import { accessToken, api, call, pushUpdate, upload } from '../../dev/simulator/genesys/sim-http';
import type { CommitRecord } from '../../dev/simulator/genesys/store';
import { ChannelClient } from '../../dev/simulator/genesys/ws-client';
import {
  agentSchedulesQueryResponseSchema,
  agentSchedulesResultSchema,
  scheduleAsyncResponseSchema,
  scheduleMetadataSchema,
  schedulesNotificationSchema,
  updateUploadUrlResponseSchema,
} from '../../wfm/genesys/schemas';
import { waitUntil } from '../support/wait-until';

/*
 * The Genesys simulator's schedule routes, update flow and notifications over real HTTP and a real websocket,
 * against the statements of /work/shared/reference/genesys-wfm.md (sections cited per test).
 */

describe('Genesys simulator: schedules, update flow, notifications', () => {
  const running: RunningGenesysSimulator[] = [];
  const channels: ChannelClient[] = [];
  afterEach(async () => {
    for (const c of channels.splice(0)) c.close();
    for (const r of running.splice(0)) await r.close();
  });

  async function start(options: GenesysSimulatorOptionsInput = {}) {
    const sim: GenesysSimulator = createGenesysSimulator({ processingDelayMs: 20, ...options });
    const server = await listenGenesys(sim);
    running.push(server);
    const url = server.url;
    const token = await accessToken(url);
    const bu = sim.store.businessUnits[0]!;
    const schedule = sim.store.allSchedules()[0]!;
    const path = `/api/v2/workforcemanagement/businessunits/${bu.id}/weeks/${schedule.weekId}/schedules/${schedule.id}`;
    const mu = bu.managementUnits[0]!;
    /** Current per-agent schedules of the first management unit, as a client reads them (§1.1 step 2). */
    const query = async (userIds?: string[]) => {
      const answer = await api(url, token, 'POST', `${path}/agentschedules/query`, {
        managementUnitId: mu.id,
        userIds,
      });
      return agentSchedulesQueryResponseSchema.parse(answer.json).result!.agentSchedules;
    };
    const metadata = async () => scheduleMetadataSchema.parse((await api(url, token, 'GET', path)).json);
    const subscribe = async (topic: string) => {
      const channel = (await api(url, token, 'POST', '/api/v2/notifications/channels')).json as {
        id: string;
        connectUri: string;
      };
      const subscribed = await api(
        url,
        token,
        'PUT',
        `/api/v2/notifications/channels/${channel.id}/subscriptions`,
        [{ id: topic }],
      );
      expect(subscribed.json).toEqual({ entities: [{ id: topic, state: 'Permitted' }] });
      const client = await ChannelClient.connect(channel.connectUri);
      channels.push(client);
      return client;
    };
    const commits = async () =>
      ((await call(`${url}/_sim/commits`)).json as { commits: CommitRecord[] }).commits;
    return { sim, url, token, bu, mu, schedule, path, query, metadata, subscribe, commits };
  }

  it('lists management units, and their agents only with expand=managementUnits.agents (§1 #2, §1.2)', async () => {
    const { url, token, path, mu } = await start();
    const plain = scheduleMetadataSchema.parse((await api(url, token, 'GET', path)).json);
    expect(plain.metadata.version).toBe(1);
    expect(plain.managementUnits?.every((m) => m.agents === undefined)).toBe(true);
    const expanded = scheduleMetadataSchema.parse(
      (await api(url, token, 'GET', `${path}?expand=managementUnits.agents`)).json,
    );
    const unit = expanded.managementUnits?.find((m) => m.managementUnit.id === mu.id);
    expect(unit?.agents?.map((a) => a.id)).toEqual(mu.agentIds);
    expect(unit?.agentCount).toBe(mu.agentIds.length);
  });

  it('answers a query inline, with per-agent versions, for the units and users asked (§1 #3, §1.2)', async () => {
    const { query, mu } = await start();
    const all = await query();
    expect(all.map((a) => a.user.id)).toEqual(mu.agentIds);
    expect(all.every((a) => a.metadata.version === 1 && a.shifts.length === 5)).toBe(true);
    expect((await query([mu.agentIds[1]!])).map((a) => a.user.id)).toEqual([mu.agentIds[1]]);
  });

  it('answers forceDownloadService with a signed downloadUrl that takes no bearer token (§1.2, §5, §7.3)', async () => {
    const { url, token, path, mu } = await start();
    const answer = await api(url, token, 'POST', `${path}/agentschedules/query?forceDownloadService=true`, {
      managementUnitId: mu.id,
    });
    const parsed = agentSchedulesQueryResponseSchema.parse(answer.json);
    expect(parsed.status).toBe('Complete');
    expect(answer.json).not.toHaveProperty('result');
    const download = await call(parsed.downloadUrl!);
    expect(agentSchedulesResultSchema.parse(download.json).agentSchedules).toHaveLength(mu.agentIds.length);
    const withBearer = await call(parsed.downloadUrl!, { headers: { authorization: `Bearer ${token}` } });
    expect(withBearer.status).toBe(400); // A presigned URL is its own credential.
    const tampered = await call(parsed.downloadUrl!.replace(/Signature=../, 'Signature=00'));
    expect(tampered.status).toBe(403);
  });

  it('answers forceAsync with Processing, then a notification with the downloadUrl (§5, §6, §7.3)', async () => {
    const { url, token, path, mu, subscribe } = await start();
    const channel = await subscribe('v2.workforcemanagement.users.sim-client.schedules.query');
    const answer = await api(url, token, 'POST', `${path}/agentschedules/query?forceAsync=true`, {
      managementUnitId: mu.id,
    });
    const parsed = agentSchedulesQueryResponseSchema.parse(answer.json);
    expect(parsed.status).toBe('Processing');
    const done = await channel.next(
      (m) => (m.eventBody as { operationId?: string }).operationId === parsed.operationId,
    );
    const { downloadUrl } = done.eventBody as { downloadUrl: string };
    expect(agentSchedulesResultSchema.parse((await call(downloadUrl)).json).agentSchedules).toHaveLength(
      mu.agentIds.length,
    );
  });

  it('runs uploadurl → PUT gzip → update: 202, then Complete on the BU topic; untouched agents stay (§1.1, §7.4-5)', async () => {
    const { url, token, path, bu, query, metadata, subscribe, commits } = await start();
    const channel = await subscribe(`v2.workforcemanagement.businessunits.${bu.id}.schedules`);
    const before = await query();
    const [edited, deleted, ...untouched] = before;
    const moved = edited!.shifts[0]!;
    const newStart = '2026-03-07T10:00:00Z';
    const update = {
      metadata: { version: 1 },
      agentSchedules: [
        {
          userId: edited!.user.id,
          metadata: { version: edited!.metadata.version },
          shifts: [
            { id: moved.id, delete: true },
            {
              startDate: newStart,
              lengthMinutes: 240,
              activities: [{ startDate: newStart, lengthMinutes: 240, activityCodeId: '0', description: '' }],
            },
          ],
        },
        { userId: deleted!.user.id, metadata: { version: deleted!.metadata.version }, delete: true },
      ],
    };
    const gz = gzipSync(JSON.stringify(update));
    const issued = await api(url, token, 'POST', `${path}/update/uploadurl`, {
      contentLengthBytes: gz.length,
    });
    expect(issued.status).toBe(201);
    const { uploadKey, url: putUrl, headers } = updateUploadUrlResponseSchema.parse(issued.json);
    expect(issued.json).toHaveProperty('uploadBodySchema', null);
    expect((await call(putUrl, { method: 'PUT', headers, body: gz })).status).toBe(200);
    const started = await api(url, token, 'POST', `${path}/update`, { uploadKey });
    expect(started.status).toBe(202);
    const { operationId } = scheduleAsyncResponseSchema.parse(started.json);

    const done = schedulesNotificationSchema.parse(
      (await channel.next((m) => (m.eventBody as { operationId?: string }).operationId === operationId))
        .eventBody,
    );
    expect(done).toMatchObject({
      status: 'Complete',
      eventType: 'Update',
      result: { metadata: { version: 2 } },
    });
    expect((await metadata()).metadata.version).toBe(2);

    const after = await query();
    const editedAfter = after.find((a) => a.user.id === edited!.user.id)!;
    expect(editedAfter.metadata.version).toBe(2);
    expect(editedAfter.shifts.map((s) => s.id)).not.toContain(moved.id);
    expect(editedAfter.shifts.find((s) => s.startDate === newStart)?.lengthMinutes).toBe(240);
    expect(after.find((a) => a.user.id === deleted!.user.id)).toBeUndefined();
    for (const agent of untouched) expect(after.find((a) => a.user.id === agent.user.id)).toEqual(agent);
    expect(await commits()).toEqual([
      expect.objectContaining({
        writer: 'api',
        clientId: 'sim-client',
        operationId,
        scheduleVersion: { from: 1, to: 2 },
        agents: [
          { userId: edited!.user.id, change: 'edited', fromVersion: 1, toVersion: 2 },
          { userId: deleted!.user.id, change: 'deleted', fromVersion: 1 },
        ],
      }),
    ]);

    // An agent sent without a version is added (§1.2: version only for existing agent schedules).
    const readd = await pushUpdate(url, token, path, {
      metadata: { version: 2 },
      agentSchedules: [{ userId: deleted!.user.id, shifts: [] }],
    });
    expect(readd.status).toBe(202);
    await waitUntil('the re-add is committed', async () => (await commits()).length === 2, 5_000, 20);
    expect((await commits())[1]!.agents).toEqual([
      { userId: deleted!.user.id, change: 'added', toVersion: 1 },
    ]);
  });

  it('refuses a PUT without the returned headers or with another byte length, and bad upload keys (§7.4, §7.9)', async () => {
    const { url, token, path } = await start();
    const gz = gzipSync(JSON.stringify({ metadata: { version: 1 } }));
    const issue = async () =>
      updateUploadUrlResponseSchema.parse(
        (await api(url, token, 'POST', `${path}/update/uploadurl`, { contentLengthBytes: gz.length })).json,
      );
    const a = await issue();
    const { 'Content-Encoding': _dropped, ...fewer } = a.headers;
    expect((await call(a.url, { method: 'PUT', headers: fewer, body: gz })).status).toBe(403);
    const longer = Buffer.concat([gz, Buffer.from([0])]);
    const wrongLength = await call(a.url, { method: 'PUT', headers: a.headers, body: longer });
    expect(wrongLength.status).toBe(403);
    expect(wrongLength.text).toContain('SignatureDoesNotMatch');
    // Nothing stored under the key yet, so update refuses it; an unknown key is 404.
    expect((await api(url, token, 'POST', `${path}/update`, { uploadKey: a.uploadKey })).status).toBe(400);
    expect((await api(url, token, 'POST', `${path}/update`, { uploadKey: 'nope' })).status).toBe(404);

    const b = await issue();
    expect((await call(b.url, { method: 'PUT', headers: b.headers, body: gz })).status).toBe(200);
    expect((await api(url, token, 'POST', `${path}/update`, { uploadKey: b.uploadKey })).status).toBe(202);
    const reused = await api(url, token, 'POST', `${path}/update`, { uploadKey: b.uploadKey });
    expect(reused.status).toBe(400);
  });

  it('refuses a body that is not gzip, and an activity without description, with 400 (§1.2, §7.6)', async () => {
    const { url, token, path, query } = await start();
    const plainJson = Buffer.from(JSON.stringify({ metadata: { version: 1 } }));
    const issued = updateUploadUrlResponseSchema.parse(
      (await api(url, token, 'POST', `${path}/update/uploadurl`, { contentLengthBytes: plainJson.length }))
        .json,
    );
    await call(issued.url, { method: 'PUT', headers: issued.headers, body: plainJson });
    const notGzip = await api(url, token, 'POST', `${path}/update`, { uploadKey: issued.uploadKey });
    expect(notGzip.status).toBe(400);

    const [agent] = await query();
    const start1 = '2026-03-07T10:00:00Z';
    const missing = await pushUpdate(url, token, path, {
      metadata: { version: 1 },
      agentSchedules: [
        {
          userId: agent!.user.id,
          metadata: { version: 1 },
          shifts: [
            {
              startDate: start1,
              lengthMinutes: 60,
              activities: [{ startDate: start1, lengthMinutes: 60, activityCodeId: '0' }],
            },
          ],
        },
      ],
    });
    expect(missing.status).toBe(400);
    expect(missing.json).toMatchObject({
      code: 'invalid.value',
      details: [{ fieldName: 'agentSchedules[0].shifts[0].activities[0].description' }],
    });
  });

  it('answers a stale schedule metadata.version with a synchronous 409 ErrorBody (§2, §7.5)', async () => {
    const { url, token, path, commits } = await start();
    const answer = await pushUpdate(url, token, path, { metadata: { version: 0 } });
    expect(answer.status).toBe(409);
    expect(answer.json).toMatchObject({ status: 409, contextId: answer.headers.get('inin-correlation-id') });
    expect(await commits()).toEqual([]);
  });

  it('ends an update with a stale agent version as status Error, no reason, nothing applied (§2, §7.5)', async () => {
    const { url, token, path, bu, query, subscribe, commits } = await start();
    const channel = await subscribe(`v2.workforcemanagement.businessunits.${bu.id}.schedules`);
    const [agent] = await query();
    // Another writer edits this agent after the client read it: the version the client holds is now stale.
    const edit = await call(`${url}/_sim/edit`, {
      method: 'POST',
      body: JSON.stringify({ scheduleId: path.split('/').pop(), userId: agent!.user.id }),
    });
    expect((edit.json as { commit: CommitRecord }).commit.agents).toEqual([
      { userId: agent!.user.id, change: 'edited', fromVersion: 1, toVersion: 2 },
    ]);
    const stale = agent!;
    const started = await pushUpdate(url, token, path, {
      metadata: { version: 1 },
      agentSchedules: [{ userId: stale.user.id, metadata: { version: 1 }, shifts: [] }],
    });
    expect(started.status).toBe(202);
    const { operationId } = scheduleAsyncResponseSchema.parse(started.json);
    const done = await channel.next(
      (m) => (m.eventBody as { operationId?: string }).operationId === operationId,
    );
    expect(done.eventBody).toEqual({ status: 'Error', operationId, eventType: 'Update' });
    expect((await commits()).map((c) => c.writer)).toEqual(['manual']);
  });

  it('can refuse a stale agent version synchronously instead (agentConflictSyncShare, §7.5)', async () => {
    const { url, token, path, query } = await start({ agentConflictSyncShare: 1 });
    const [agent] = await query();
    const answer = await pushUpdate(url, token, path, {
      metadata: { version: 1 },
      agentSchedules: [{ userId: agent!.user.id, metadata: { version: 7 } }],
    });
    expect(answer.status).toBe(409);
    expect(answer.json).toMatchObject({ details: [{ entityId: agent!.user.id }] });
  });

  it('commits an update whose response is lost (lostResponseShare, §7 hostile parts)', async () => {
    const { url, token, path, query, metadata, commits } = await start({
      lostResponseShare: 1,
      updateProcessingShare: 0,
    });
    const [agent] = await query();
    const { uploadKey } = await upload(url, token, path, {
      metadata: { version: 1 },
      agentSchedules: [{ userId: agent!.user.id, metadata: { version: 1 }, delete: true }],
    });
    await expect(api(url, token, 'POST', `${path}/update`, { uploadKey })).rejects.toThrow();
    expect((await metadata()).metadata.version).toBe(2);
    expect(await commits()).toEqual([
      expect.objectContaining({ writer: 'api', agents: [expect.objectContaining({ change: 'deleted' })] }),
    ]);
    const requests = (await call(`${url}/_sim/requests`)).json as {
      requests: Array<{ lostResponse?: boolean }>;
    };
    expect(requests.requests.filter((r) => r.lostResponse)).toHaveLength(1);
  });

  it('answers 200 Complete with the new metadata when the update is synchronous (§1 #6)', async () => {
    const { url, token, path } = await start({ updateProcessingShare: 0 });
    const answer = await pushUpdate(url, token, path, { metadata: { version: 1 }, description: 'renamed' });
    expect(answer.status).toBe(200);
    expect(scheduleAsyncResponseSchema.parse(answer.json)).toMatchObject({
      status: 'Complete',
      result: { description: 'renamed', metadata: { version: 2 } },
    });
  });

  it('lets another writer edit agents on a timer, bumping their versions (§2, §7 hostile parts)', async () => {
    const { query, commits } = await start({ otherWriterMs: 10 });
    await waitUntil('the other writer committed', async () => (await commits()).length >= 3, 5_000, 20);
    const byOther = (await commits()).filter((c) => c.writer === 'other-writer');
    expect(byOther.length).toBeGreaterThanOrEqual(3);
    const versions = (await query()).map((a) => a.metadata.version);
    expect(Math.max(...versions)).toBeGreaterThan(1);
  });

  it('holds approved time off as the models have it: timeOffRequestId and externalActivityId activities, full-day markers (§8)', async () => {
    const { query } = await start({ seed: { agentsPerMu: 3, timeOffShare: 1 } });
    const [partial, fullDay, external] = await query();
    const activities = (a: typeof partial) => a!.shifts.flatMap((s) => s.activities);
    expect(activities(partial).filter((a) => a.timeOffRequestId)).toEqual([
      expect.objectContaining({ lengthMinutes: 240, timeOffRequestId: expect.any(String) }),
    ]);
    expect(fullDay!.fullDayTimeOffMarkers).toEqual([
      expect.objectContaining({ businessUnitDate: '2026-03-05', timeOffRequestId: expect.any(String) }),
    ]);
    // The day of a full-day time off holds no shift.
    expect(fullDay!.shifts.map((s) => s.startDate.slice(0, 10))).not.toContain('2026-03-05');
    expect(activities(external).filter((a) => a.externalActivityId)).toEqual([
      expect.objectContaining({ externalActivityType: 'Training' }),
    ]);
  });

  it('keeps manuallyEdited as sent, and answers with only metadata.version when told to (§8: every field optional)', async () => {
    const { url, token, path, query } = await start({ updateProcessingShare: 0, minimalResults: true });
    const [agent] = await query();
    const at = '2026-03-07T10:00:00Z';
    const answer = await pushUpdate(url, token, path, {
      metadata: { version: 1 },
      agentSchedules: [
        {
          userId: agent!.user.id,
          metadata: { version: agent!.metadata.version },
          shifts: [
            {
              startDate: at,
              lengthMinutes: 60,
              manuallyEdited: true,
              activities: [{ startDate: at, lengthMinutes: 60, activityCodeId: '0', description: '' }],
            },
          ],
        },
      ],
    });
    expect(answer.json).toEqual({
      status: 'Complete',
      operationId: expect.any(String),
      result: { metadata: { version: 2 } },
    });
    const [after] = await query([agent!.user.id]);
    expect(after!.shifts.find((s) => s.startDate === at)?.manuallyEdited).toBe(true);
  });

  it('refuses published: false for a published schedule, and publishes an unpublished one (§8)', async () => {
    const published = await start();
    const refused = await pushUpdate(published.url, published.token, published.path, {
      metadata: { version: 1 },
      published: false,
    });
    expect(refused.status).toBe(400);
    const draft = await start({ seed: { published: false }, updateProcessingShare: 0 });
    expect((await draft.metadata()).published).toBe(false);
    await pushUpdate(draft.url, draft.token, draft.path, { metadata: { version: 1 }, published: true });
    expect((await draft.metadata()).published).toBe(true);
  });

  it('moves the schedule version with each supervisor edit when told to, as a busy business unit does (§8)', async () => {
    const { metadata, commits } = await start({ otherWriterMs: 10, otherWriterBumpsScheduleVersion: true });
    await waitUntil('the supervisor edited', async () => (await commits()).length >= 3, 5_000, 20);
    expect((await metadata()).metadata.version).toBeGreaterThanOrEqual(4);
  });

  it('gives an OAuth client 20 channels: a 21st evicts the oldest unconnected one (§6, §8)', async () => {
    const { url, token } = await start();
    const create = async () =>
      ((await api(url, token, 'POST', '/api/v2/notifications/channels')).json as { id: string }).id;
    const first = await create();
    for (let i = 0; i < 20; i++) await create();
    const gone = await api(url, token, 'GET', `/api/v2/notifications/channels/${first}/subscriptions`);
    expect(gone.status).toBe(404);
  });

  it('sends heartbeats and answers a ping on the channel (§6, notification service)', async () => {
    const { subscribe } = await start({ heartbeatMs: 20 });
    const channel = await subscribe('v2.workforcemanagement.users.sim-client.schedules.query');
    const beat = await channel.next((m) => m.topicName === 'channel.metadata');
    expect(beat.eventBody).toEqual({ message: 'WebSocket Heartbeat' });
    channel.sendText(JSON.stringify({ message: 'ping' }));
    const pong = await channel.next((m) => (m.eventBody as { message?: string }).message === 'pong');
    expect(pong.topicName).toBe('channel.metadata');
  });
});
