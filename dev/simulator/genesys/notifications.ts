import { randomBytes } from 'node:crypto';
import type { Caller } from './auth';
import { badRequest, GenesysError, notFound } from './errors';
import type { ServerWebSocket } from './websocket';

/** §6: 20 channels per user and app, 1,000 topics per channel, a channel lives 24 h. */
const CHANNELS_PER_CLIENT = 20;
const TOPICS_PER_CHANNEL = 1000;
const CHANNEL_LIFETIME_MS = 24 * 3_600_000;

interface Channel {
  id: string;
  clientId: string;
  topics: Set<string>;
  createdAtMs: number;
  expiresAtMs: number;
  socket?: ServerWebSocket;
}

/** One notification the simulator emitted, and the channels whose open websocket it was written to. */
export interface NotificationRecord {
  seq: number;
  atMs: number;
  topicName: string;
  eventBody: unknown;
  deliveredTo: string[];
}

const TOPIC_PERMISSION = 'wfm:schedule:view';

/** `ChannelTopic`: a subscribed topic and whether it was permitted. */
export interface ChannelTopic {
  id: string;
  state: 'Permitted' | 'Rejected';
  rejectionReason?: string;
  missingPermissions?: string[];
}

/**
 * The notification service: channels, subscriptions and delivery over the channel's websocket (§6, §7.10). A
 * notification for a topic nobody has an open websocket for is lost, as on the real service; the log keeps it for
 * tests. Message envelope `{ topicName, version, eventBody, metadata }` and the heartbeat and pong on topic
 * `channel.metadata` follow the public notification-service guide, which the reference does not quote.
 */
export class NotificationHub {
  readonly log: NotificationRecord[] = [];
  private readonly channels = new Map<string, Channel>();
  private heartbeat: NodeJS.Timeout | undefined;

  constructor(
    private readonly now: () => Date,
    private readonly random: () => number,
  ) {}

  createChannel(caller: Caller, wsBaseUrl: string): { id: string; connectUri: string; expires: string } {
    const nowMs = this.now().getTime();
    const mine = [...this.channels.values()].filter((c) => c.clientId === caller.clientId);
    if (mine.length >= CHANNELS_PER_CLIENT) {
      // The oldest channel without a websocket makes room (§6); if all are connected, the oldest.
      const victim = mine.find((c) => !c.socket?.isOpen) ?? mine[0];
      if (victim) this.drop(victim);
    }
    const id = `streaming-0-${randomBytes(12).toString('hex')}`;
    const channel: Channel = {
      id,
      clientId: caller.clientId,
      topics: new Set(),
      createdAtMs: nowMs,
      expiresAtMs: nowMs + CHANNEL_LIFETIME_MS,
    };
    this.channels.set(id, channel);
    return {
      id,
      connectUri: `${wsBaseUrl}/channels/${id}`,
      expires: new Date(channel.expiresAtMs).toISOString(),
    };
  }

  /** `PUT` replaces the channel's topics, `POST` adds to them; body `[{ id: topic }]`. */
  subscribe(
    caller: Caller,
    channelId: string,
    body: unknown,
    replace: boolean,
  ): { entities: ChannelTopic[] } {
    const channel = this.owned(caller, channelId);
    if (!Array.isArray(body)) throw badRequest('The body must be an array of topics', 'body');
    const topics = body.map((t: unknown, i) => {
      const id = (t as { id?: unknown } | null)?.id;
      if (typeof id !== 'string' || !/^v2\.[\w.{}-]+$/.test(id))
        throw badRequest(`Invalid topic ${JSON.stringify(id)}`, `[${i}].id`);
      return id;
    });
    const next = new Set(replace ? topics : [...channel.topics, ...topics]);
    if (next.size > TOPICS_PER_CHANNEL)
      throw badRequest(`A channel may subscribe to at most ${TOPICS_PER_CHANNEL} topics`);
    channel.topics = next;
    return this.subscriptions(caller, channelId);
  }

  /**
   * The channel's topics as `ChannelTopic`s (§8): `Permitted`, or `Rejected` with the reason and the permissions the
   * caller lacks. A WFM topic needs `wfm:schedule:view`, and a `users.{id}` topic is only for that caller (the
   * simulator's rules: Genesys documents a permission per topic, and which `{id}` a client-credentials caller has is
   * unsettled, §8; here it is the OAuth client id).
   */
  subscriptions(caller: Caller, channelId: string): { entities: ChannelTopic[] } {
    return {
      entities: [...this.owned(caller, channelId).topics].map((id): ChannelTopic => {
        const user = /^v2\.workforcemanagement\.users\.([^.]+)\./.exec(id)?.[1];
        if (user !== undefined && user !== caller.clientId)
          return {
            id,
            state: 'Rejected',
            rejectionReason: `Not permitted: a topic of another user (${user})`,
          };
        const missing =
          id.startsWith('v2.workforcemanagement.') && !caller.permissions.includes(TOPIC_PERMISSION);
        return missing
          ? {
              id,
              state: 'Rejected',
              rejectionReason: 'The caller lacks a permission this topic needs',
              missingPermissions: [TOPIC_PERMISSION],
            }
          : { id, state: 'Permitted' };
      }),
    };
  }

  /** Attaches a websocket to a channel; one per channel, so a newer connection closes the older one (§6). */
  connect(channelId: string, socket: ServerWebSocket): boolean {
    const channel = this.channels.get(channelId);
    if (!channel || channel.expiresAtMs <= this.now().getTime()) return false;
    channel.socket?.close();
    channel.socket = socket;
    socket.onText((text) => {
      if (/"message"\s*:\s*"ping"/.test(text))
        socket.sendText(JSON.stringify({ topicName: 'channel.metadata', eventBody: { message: 'pong' } }));
    });
    return true;
  }

  /** Emits `eventBody` on `topicName` to every subscribed, connected channel; sometimes twice. */
  publish(topicName: string, eventBody: unknown, duplicateShare: number): NotificationRecord {
    const message = JSON.stringify({
      topicName,
      version: '2',
      eventBody,
      metadata: { CorrelationId: randomBytes(16).toString('hex') },
    });
    const deliveredTo: string[] = [];
    for (const channel of this.channels.values()) {
      if (!channel.topics.has(topicName) || !channel.socket?.isOpen) continue;
      channel.socket.sendText(message);
      if (this.random() < duplicateShare) channel.socket.sendText(message);
      deliveredTo.push(channel.id);
    }
    const record = {
      seq: this.log.length + 1,
      atMs: this.now().getTime(),
      topicName,
      eventBody,
      deliveredTo,
    };
    this.log.push(record);
    return record;
  }

  startHeartbeat(everyMs: number): void {
    clearInterval(this.heartbeat);
    this.heartbeat = undefined;
    if (everyMs <= 0) return;
    const beat = JSON.stringify({
      topicName: 'channel.metadata',
      eventBody: { message: 'WebSocket Heartbeat' },
    });
    this.heartbeat = setInterval(() => {
      for (const c of this.channels.values()) if (c.socket?.isOpen) c.socket.sendText(beat);
    }, everyMs);
    this.heartbeat.unref();
  }

  stop(): void {
    clearInterval(this.heartbeat);
    this.heartbeat = undefined;
    for (const c of this.channels.values()) c.socket?.close();
  }

  private owned(caller: Caller, channelId: string): Channel {
    const channel = this.channels.get(channelId);
    if (!channel || channel.expiresAtMs <= this.now().getTime()) throw notFound(`Channel ${channelId}`);
    if (channel.clientId !== caller.clientId)
      throw new GenesysError(403, 'not.authorized', 'The channel belongs to another client');
    return channel;
  }

  private drop(channel: Channel): void {
    channel.socket?.close();
    this.channels.delete(channel.id);
  }
}
