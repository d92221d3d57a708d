import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createGenesysSimulator, type GenesysSimulator } from '../../dev/simulator/genesys/genesys-simulator';
import type { GenesysSimulatorOptionsInput } from '../../dev/simulator/genesys/options';
import { SIM_CLIENT } from '../../dev/simulator/genesys/options';
import { listenGenesys, type RunningGenesysSimulator } from '../../dev/simulator/genesys/server';
import { GenesysWfmAdapter, type GenesysAdapterOptions } from '../../wfm/genesys/genesys-adapter';
import {
  GenesysNotifications,
  agentQueryTopic,
  schedulesTopic,
  type NotificationChannelEvent,
} from '../../wfm/genesys/notifications';
import { GenesysOAuthTokens } from '../../wfm/genesys/oauth';
import { WfmHttp } from '../../wfm/http-client';
import { rebase } from '../../wfm/rebase';
import { OutboundPolicy } from '../../wfm/url-policy';
import { eventually, waitUntil } from '../support/wait-until';

const planned = [{ start: '2026-03-03T15:00:00Z', lengthMinutes: 240, activityCode: '0' }];

/** Another host:port on this machine that records what reaches it: where a hostile WFM sends the worker. */
async function recorder(): Promise<{
  origin: string;
  host: string;
  seen: Array<{ method: string; url: string; headers: IncomingHttpHeaders }>;
  server: Server;
}> {
  const seen: Array<{ method: string; url: string; headers: IncomingHttpHeaders }> = [];
  const server = createServer((req, res) => {
    seen.push({ method: req.method ?? '?', url: req.url ?? '', headers: req.headers });
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
  });
  server.on('upgrade', (req, socket) => {
    seen.push({ method: 'UPGRADE', url: req.url ?? '', headers: req.headers });
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { origin: `http://127.0.0.1:${port}`, host: `127.0.0.1:${port}`, seen, server };
}

/** The Genesys adapter against a simulator told to hand out URLs that send it elsewhere (issue 18). */
describe('the Genesys adapter follows only URLs the outbound policy allows', () => {
  let sim: GenesysSimulator;
  let running: RunningGenesysSimulator | undefined;
  let wfm: GenesysWfmAdapter | undefined;
  let other: Awaited<ReturnType<typeof recorder>>;
  beforeEach(async () => {
    other = await recorder();
  });
  afterEach(async () => {
    await wfm?.close();
    await running?.close();
    other.server.closeAllConnections();
    await new Promise((resolve) => other.server.close(resolve));
    wfm = undefined;
    running = undefined;
  });

  async function start(options: GenesysSimulatorOptionsInput, adapter: Partial<GenesysAdapterOptions> = {}) {
    sim = createGenesysSimulator({ processingDelayMs: 30, ...options });
    running = await listenGenesys(sim);
    const schedule = sim.store.allSchedules()[0]!;
    const events: NotificationChannelEvent[] = [];
    wfm = new GenesysWfmAdapter({
      apiBaseUrl: running.url,
      tokens: new GenesysOAuthTokens({
        loginBaseUrl: running.url,
        clientId: SIM_CLIENT.id,
        clientSecret: SIM_CLIENT.secret,
      }),
      asyncPollMs: 50,
      asyncWaitMs: 3_000,
      queryNotifyId: SIM_CLIENT.id,
      ...adapter,
      notifications: { onEvent: (e) => events.push(e) },
    });
    const target = {
      scheduleId: schedule.id,
      businessUnitId: schedule.businessUnitId,
      weekId: schedule.weekId,
      agentIds: [...schedule.agents.keys()].slice(0, 2),
    };
    return { wfm, target, events };
  }

  const writeOne = async (
    adapter: GenesysWfmAdapter,
    target: Awaited<ReturnType<typeof start>>['target'],
  ) => {
    const read = await adapter.readSchedule(target);
    const { changes } = rebase(read.agents, [{ agentId: target.agentIds[0]!, shifts: planned }]);
    return adapter.writeAgents(read, changes);
  };

  it('refuses an upload URL on another host of this machine, naming the host and not the signature', async () => {
    const { wfm, target } = await start({ hostile: { storageOrigin: other.origin } });
    const failure = await writeOne(wfm, target).catch((err: unknown) => err);
    expect(failure).toMatchObject({ type: 'Rejected', nonRetryable: true });
    expect((failure as Error).message).toContain(
      `upload URL: refused by the outbound policy: host ${other.host} is not one of the WFM's hosts`,
    );
    expect((failure as Error).message).not.toMatch(/X-Amz-Signature/);
    expect(other.seen).toEqual([]);
    expect(sim.store.commits.filter((c) => c.writer === 'api')).toEqual([]);
  });

  it('refuses a download URL on another host, before anything is fetched', async () => {
    const { wfm, target } = await start({
      hostile: { storageOrigin: other.origin },
      queryModes: { inline: 0, download: 1, processing: 0 },
    });
    const failure = await wfm.readSchedule(target).catch((err: unknown) => err);
    expect(failure).toMatchObject({ type: 'Rejected', nonRetryable: true });
    expect((failure as Error).message).toMatch(
      /download URL: refused by the outbound policy: host 127\.0\.0\.1:/,
    );
    expect(other.seen).toEqual([]);
  });

  it('forwards only the headers a signed upload needs, even to an allowed storage host', async () => {
    const { wfm, target } = await start(
      {
        hostile: {
          storageOrigin: other.origin,
          uploadHeaders: { cookie: 'session=stolen', 'x-aws-ec2-metadata-token-ttl-seconds': '21600' },
        },
      },
      {
        outbound: new OutboundPolicy({ allowedHosts: [other.host], allowPrivateHosts: true }),
      },
    );
    // The storage host here is only a recorder: the update that follows finds no upload and fails. What matters is
    // what the upload carried.
    await writeOne(wfm, target).catch(() => undefined);
    const put = other.seen.find((r) => r.method === 'PUT');
    expect(put?.headers).toMatchObject({
      'content-type': 'application/json',
      'content-encoding': 'gzip',
      'x-amz-server-side-encryption': 'AES256',
    });
    expect(put?.headers).not.toHaveProperty('cookie');
    expect(put?.headers).not.toHaveProperty('x-aws-ec2-metadata-token-ttl-seconds');
    expect(put?.headers).not.toHaveProperty('authorization');
  });

  it('never opens a notification channel on a connectUri off the WFM’s hosts; the write is polled instead', async () => {
    const { wfm, target, events } = await start({
      hostile: { channelOrigin: other.origin.replace(/^http/, 'ws') },
      updateProcessingShare: 1,
    });
    const written = await writeOne(wfm, target);
    expect(Number(written.version)).toBeGreaterThan(0);
    expect(events).toContainEqual(
      expect.objectContaining({
        kind: 'unavailable',
        reason: expect.stringContaining(
          `notification channel refused by the outbound policy: host ${other.host}`,
        ),
      }),
    );
    expect(other.seen).toEqual([]);
  });
});

/** What the notification channel keeps of what arrives on it: only what a write is owed, small and bounded. */
describe('Genesys notifications are checked and bounded', () => {
  let sim: GenesysSimulator;
  let running: RunningGenesysSimulator;
  let notifications: GenesysNotifications;
  afterEach(async () => {
    await notifications?.close();
    await running?.close();
  });

  async function open() {
    sim = createGenesysSimulator({ heartbeatMs: 0 });
    running = await listenGenesys(sim);
    const schedule = sim.store.allSchedules()[0]!;
    notifications = new GenesysNotifications({
      apiBaseUrl: running.url,
      http: new WfmHttp({
        tokens: new GenesysOAuthTokens({
          loginBaseUrl: running.url,
          clientId: SIM_CLIENT.id,
          clientSecret: SIM_CLIENT.secret,
        }),
      }),
    });
    const topic = schedulesTopic(schedule.businessUnitId);
    expect(await notifications.watch(schedule.businessUnitId)).toBe(true);
    expect(await notifications.watchTopic(agentQueryTopic(SIM_CLIENT.id))).toBe(true);
    return { schedule, topic };
  }

  it('takes an outcome only from its own topic and for the schedule being written', async () => {
    const { schedule, topic } = await open();
    const source = { topic, scheduleId: schedule.id };
    // Another schedule's Complete under the awaited operation ID, then the same ID on the agent-query topic.
    sim.notifications.publish(
      topic,
      { status: 'Complete', operationId: 'op-1', result: { id: 'other', metadata: { version: 999 } } },
      0,
    );
    sim.notifications.publish(
      agentQueryTopic(SIM_CLIENT.id),
      { operationId: 'op-2', downloadUrl: 'https://example.com/x' },
      0,
    );
    await waitUntil('both are kept', () => notifications.keptOutcomes >= 2);
    expect(await notifications.outcome(source, 'op-1', 200)).toBeUndefined();
    expect(await notifications.outcome(source, 'op-2', 200)).toBeUndefined();
    sim.notifications.publish(
      topic,
      { status: 'Complete', operationId: 'op-3', result: { id: schedule.id, metadata: { version: 7 } } },
      0,
    );
    expect(await notifications.outcome(source, 'op-3', 5_000)).toMatchObject({
      status: 'Complete',
      version: 7,
    });
  });

  it('keeps at most 1,000 small outcomes: 1,000 notifications of 1 MiB leave the heap within 32 MiB', async () => {
    const { topic } = await open();
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const heap = () => {
      gc();
      gc();
      return getHeapStatistics().used_heap_size;
    };
    const before = heap();
    const filler = 'x'.repeat(2 ** 20);
    for (let i = 0; i < 1_000; i++) {
      sim.notifications.publish(
        topic,
        {
          status: 'Complete',
          operationId: `flood-${i}`,
          result: { id: 'any', description: filler, metadata: { version: i } },
        },
        0,
      );
      sim.notifications.log.splice(0); // the simulator's own log is not the worker's memory
      if (i % 50 === 49)
        await waitUntil(
          'the batch arrived',
          () => notifications.keptOutcomes >= Math.min(i + 1, 1_000),
          30_000,
        );
    }
    await eventually(() => expect(notifications.keptOutcomes).toBe(1_000), 30_000);
    const grown = heap() - before;
    expect(grown).toBeLessThan(32 * 2 ** 20);
  }, 120_000);
});
