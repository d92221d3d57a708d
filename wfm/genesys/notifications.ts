import WebSocket, { type RawData } from 'ws';
import type { WfmHttp } from '../http-client';
import { OutboundPolicy } from '../url-policy';
import { parseAnswer, postJson } from './json-http';
import {
  agentSchedulesQueryNotificationSchema,
  channelMessageSchema,
  notificationChannelSchema,
  schedulesNotificationSchema,
  subscriptionsAnswerSchema,
  type AsyncStatus,
} from './schemas';

export interface GenesysNotificationsOptions {
  /** The adapter's HTTP client: channel and subscription calls carry its bearer token and follow its rate control. */
  http: WfmHttp;
  /** e.g. `https://api.apse1.pure.cloud`; `/api/v2/notifications/channels` is appended. */
  apiBaseUrl: string;
  /** How long opening the channel (create, websocket, subscribe) may hold up a write before it polls instead, in ms. Default 10 s. */
  readyTimeoutMs?: number;
  /** How long a final status nobody awaits yet is kept (a notification may beat the update's own answer), in ms. Default 60 s. */
  keepOutcomesMs?: number;
  /** Silence (no heartbeat, message or pong) after which the websocket is taken for dead and replaced, in ms. Default 90 s (Genesys sends a heartbeat every 30 s). */
  idleTimeoutMs?: number;
  /** First and largest wait before the channel is opened again after it closed or could not be opened, in ms. Defaults 1 s and 60 s. */
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  /** The largest websocket message accepted, in bytes. Default 16 MiB. */
  maxMessageBytes?: number;
  /** Where the channel's `connectUri` may point (Genesys chose it). Default: the API's own host only. */
  outbound?: OutboundPolicy;
  /** Told when the channel opens, closes or cannot be opened (the adapter then polls); for the worker's log. */
  onEvent?: (event: NotificationChannelEvent) => void;
}

export type NotificationChannelEvent =
  | { kind: 'open'; channelId: string; topics: number; reused: boolean }
  | { kind: 'topic-refused'; channelId: string; topic: string; reason: string }
  | { kind: 'evicted'; channelId: string; reason: string }
  | { kind: 'closed'; channelId: string; reason: string }
  | { kind: 'unavailable'; reason: string; retryInMs: number };

/**
 * A final outcome of an asynchronous operation, as its notification told it: a schedule update (the schedule and its
 * version after it), or an agent query (its `downloadUrl`; a query notification comes only when the result is ready).
 * Only these few fields are kept, never the message: a notification may be megabytes.
 */
export interface FinalOutcome {
  operationId: string;
  status: Exclude<AsyncStatus, 'Processing'>;
  /** The topic it came on. */
  topic: string;
  /** An update's schedule (`result.id`), when the notification names it. */
  scheduleId?: string;
  /** The schedule's version after an update (`result.metadata.version`), when the notification says. */
  version?: number;
  downloadUrl?: string;
}

/**
 * Where the outcome of an operation must come from: the topic the operation reports on (a business unit's schedules,
 * or the agent-query topic), and for an update the schedule being written. A notification on another topic, or naming
 * another schedule, is not this operation's outcome, whatever its operation ID.
 */
export interface OutcomeSource {
  topic: string;
  scheduleId?: string;
}

const FINAL = new Set<AsyncStatus>(['Complete', 'Error', 'Canceled', 'OutdatedSdkVersion']);
/**
 * Final outcomes kept for nobody yet (a notification may beat the update's own answer): at most this many, each a few
 * small fields (ids of at most 256 characters, a download URL of at most 4 KiB), so at most a few MiB whatever arrives.
 */
const MAX_KEPT_OUTCOMES = 1_000;
const MAX_ID_CHARS = 256;
const MAX_DOWNLOAD_URL_CHARS = 4096;

const outcomeKey = (topic: string, operationId: string) => `${topic}\n${operationId}`;

/** The topic whose events end every asynchronous schedule operation of a business unit (reference §1.1 step 7, §6). */
export function schedulesTopic(businessUnitId: string): string {
  return `v2.workforcemanagement.businessunits.${businessUnitId}.schedules`;
}

/**
 * The topic an agent-schedules query answered `Processing` reports on (`forceAsync`, reference §8). Which `{id}` a
 * client-credentials caller (no user) gets is not documented anywhere public; the adapter subscribes with the OAuth
 * client id (GENESYS_QUERY_NOTIFY_ID overrides it), and a query whose notification does not come fails as transient.
 */
export function agentQueryTopic(id: string): string {
  return `v2.workforcemanagement.users.${id}.schedules.query`;
}

interface OpenChannel {
  id: string;
  connectUri: string;
  socket: WebSocket;
  topics: Set<string>;
}

/**
 * The Genesys notification service for one worker process (reference §6): one channel, created when first needed,
 * subscribed to each business unit's schedules topic once, its websocket kept open (heartbeats watched; closed →
 * opened again with backoff, on a new channel with every topic). The adapter asks `watch` before it starts an update,
 * so the notification of that update cannot be missed, then `outcome` for the operation's final status. Final
 * statuses that arrive before anyone waits for them are kept for `keepOutcomesMs`. Nothing here ever fails a write:
 * a channel that cannot be opened or a notification that does not come makes the adapter poll as before.
 */
export class GenesysNotifications {
  private readonly channelsUrl: string;
  private readonly readyTimeoutMs: number;
  private readonly keepOutcomesMs: number;
  private readonly idleTimeoutMs: number;
  private readonly reconnectMinMs: number;
  private readonly reconnectMaxMs: number;
  private readonly maxMessageBytes: number;
  /** Every topic asked for so far; a new channel subscribes them all. */
  private readonly topics = new Set<string>();
  private channel: OpenChannel | undefined;
  /**
   * The channel last opened: a reconnect opens its websocket again and re-applies the subscriptions, instead of
   * creating a channel (an OAuth client has 20; a 21st silently evicts the oldest, maybe another worker's).
   */
  private lastChannel: { id: string; connectUri: string } | undefined;
  /** Channel work (open, subscribe) one step at a time. */
  private queue: Promise<unknown> = Promise.resolve();
  private readonly outcomes = new Map<string, { outcome: FinalOutcome; atMs: number }>();
  private readonly refused = new Map<string, string>();
  private readonly waiters = new Map<string, Set<(outcome: FinalOutcome | undefined) => void>>();
  private failures = 0;
  private retryAtMs = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private lastHeardMs = 0;
  private closed = false;

  constructor(private readonly options: GenesysNotificationsOptions) {
    this.channelsUrl = `${options.apiBaseUrl.replace(/\/+$/, '')}/api/v2/notifications/channels`;
    this.readyTimeoutMs = options.readyTimeoutMs ?? 10_000;
    this.keepOutcomesMs = options.keepOutcomesMs ?? 60_000;
    this.idleTimeoutMs = options.idleTimeoutMs ?? 90_000;
    this.reconnectMinMs = options.reconnectMinMs ?? 1000;
    this.reconnectMaxMs = options.reconnectMaxMs ?? 60_000;
    this.maxMessageBytes = options.maxMessageBytes ?? 16 * 2 ** 20;
  }

  /**
   * Makes sure the schedules topic of `businessUnitId` is subscribed on an open websocket. True: a notification for
   * an operation started from now on will arrive (unless the websocket drops, which `outcome` then says at once).
   * False: not now (the channel failed recently, or is not ready within `readyTimeoutMs`); the caller polls.
   */
  async watch(businessUnitId: string, signal?: AbortSignal): Promise<boolean> {
    return this.watchTopic(schedulesTopic(businessUnitId), signal);
  }

  /** `watch` for any topic: true once `topic` is subscribed on an open websocket. */
  async watchTopic(topic: string, signal?: AbortSignal): Promise<boolean> {
    if (this.closed) return false;
    if (this.channel?.topics.has(topic)) return true;
    this.topics.add(topic);
    if (Date.now() < this.retryAtMs) return false;
    const ready = this.enqueue(() => this.ensure(topic));
    return race(ready, this.readyTimeoutMs, signal, false);
  }

  /**
   * The final status of `operationId`: from a notification already received, or the next one within `timeoutMs`.
   * Undefined if none came, or the websocket closed meanwhile (the notification may be lost): the caller polls.
   */
  async outcome(
    source: OutcomeSource,
    operationId: string,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<FinalOutcome | undefined> {
    const key = outcomeKey(source.topic, operationId);
    const kept = this.outcomes.get(key);
    if (kept) {
      this.outcomes.delete(key);
      return ofSchedule(kept.outcome, source);
    }
    if (!this.channel || this.closed) return undefined;
    let resolveWaiter: (outcome: FinalOutcome | undefined) => void = () => {};
    const arrived = new Promise<FinalOutcome | undefined>((resolve) => (resolveWaiter = resolve));
    const set = this.waiters.get(key) ?? new Set();
    set.add(resolveWaiter);
    this.waiters.set(key, set);
    try {
      return ofSchedule(await race(arrived, timeoutMs, signal, undefined), source);
    } finally {
      set.delete(resolveWaiter);
      if (set.size === 0) this.waiters.delete(key);
    }
  }

  /** A final status already received for `operationId` from `source`, without waiting. */
  received(source: OutcomeSource, operationId: string): FinalOutcome | undefined {
    return ofSchedule(this.outcomes.get(outcomeKey(source.topic, operationId))?.outcome, source);
  }

  /** How many final outcomes are kept for nobody yet (bounded by MAX_KEPT_OUTCOMES). */
  get keptOutcomes(): number {
    return this.outcomes.size;
  }

  /** Closes the websocket and stops every timer; waiting callers get no outcome (they poll). Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    const channel = this.channel;
    this.dropChannel(false);
    if (channel) await closeSocket(channel.socket);
  }

  private enqueue<T>(step: () => Promise<T>): Promise<T> {
    const next = this.queue.then(step, step);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Opens the channel if there is none (with every topic), else adds `topic`. False if that failed. */
  private async ensure(topic: string): Promise<boolean> {
    if (this.closed) return false;
    if (this.channel?.topics.has(topic)) return true;
    if (Date.now() < this.retryAtMs) return false;
    try {
      if (!this.channel) await this.open();
      else await this.subscribe(this.channel, [topic], 'POST');
      this.failures = 0;
      return this.channel?.topics.has(topic) ?? false;
    } catch (err) {
      this.failed(err);
      return false;
    }
  }

  /**
   * The channel's websocket open, subscribed to every topic asked for so far (§6): the channel this process opened
   * before, if its websocket still connects (a channel lives 24 h), else a new one (the old one expired or was evicted
   * by a 21st channel of the same OAuth client).
   */
  private async open(): Promise<void> {
    let reused = this.lastChannel;
    let socket: WebSocket | undefined;
    if (reused) {
      socket = await this.connect(reused.connectUri).catch(() => undefined);
      if (!socket) reused = undefined;
    }
    const created = reused ?? (await this.createChannel());
    socket ??= await this.connect(created.connectUri);
    this.lastChannel = { id: created.id, connectUri: created.connectUri };
    const channel: OpenChannel = {
      id: created.id,
      connectUri: created.connectUri,
      socket,
      topics: new Set(),
    };
    socket.on('message', (data: RawData, isBinary: boolean) => this.heard(channel, data, isBinary));
    socket.on('pong', () => (this.lastHeardMs = Date.now()));
    socket.on('close', (code: number) => this.lost(channel, `websocket closed (${code})`));
    socket.on('error', (err: Error) => this.lost(channel, `websocket failed (${err.message})`));
    if (this.closed) {
      await closeSocket(socket);
      return;
    }
    this.channel = channel;
    this.watchIdle(channel);
    try {
      await this.subscribe(channel, [...this.topics], 'PUT');
    } catch (err) {
      this.dropChannel(true);
      socket.terminate();
      if (reused) {
        // The channel is gone: expired, or evicted by a 21st channel of this OAuth client. The next attempt creates
        // one (and the deployment docs say how many workers an OAuth client can carry).
        this.lastChannel = undefined;
        this.options.onEvent?.({
          kind: 'evicted',
          channelId: reused.id,
          reason: err instanceof Error ? err.message : String(err),
        });
      }
      throw err;
    }
    this.options.onEvent?.({
      kind: 'open',
      channelId: channel.id,
      topics: channel.topics.size,
      reused: reused !== undefined,
    });
  }

  private async createChannel(): Promise<{ id: string; connectUri: string }> {
    const what = 'create notification channel';
    return parseAnswer(
      what,
      notificationChannelSchema,
      (await this.options.http.send(what, postJson(this.channelsUrl, {}))).text,
    );
  }

  /**
   * Subscribes `topics`. The answer lists each topic with its `state`; a topic refused (`rejectionReason`,
   * `missingPermissions`) is told to the worker's log with the permissions it lacks, and is not taken as subscribed,
   * so whoever waits for it polls or fails with that reason.
   */
  private async subscribe(channel: OpenChannel, topics: string[], method: 'PUT' | 'POST'): Promise<void> {
    const what = `subscribe notification channel ${channel.id}`;
    const answer = await this.options.http.send(what, {
      ...postJson(
        `${this.channelsUrl}/${encodeURIComponent(channel.id)}/subscriptions`,
        topics.map((id) => ({ id })),
      ),
      method,
    });
    const listed = subscriptionsAnswerSchema.safeParse(safeJson(answer.text));
    const states = new Map((listed.success ? listed.data.entities : []).map((t) => [t.id, t]));
    for (const t of topics) {
      const state = states.get(t);
      const refused = state && (state.state === 'Rejected' || state.rejectionReason !== undefined);
      if (!refused) {
        channel.topics.add(t);
        continue;
      }
      const missing = state.missingPermissions?.length
        ? `; missing permissions: ${state.missingPermissions.join(', ')}`
        : '';
      this.refused.set(t, `${state.rejectionReason ?? 'rejected'}${missing}`);
      this.options.onEvent?.({
        kind: 'topic-refused',
        channelId: channel.id,
        topic: t,
        reason: `${state.rejectionReason ?? 'rejected'}${missing}`,
      });
    }
  }

  /** Why `topic` was refused when it was last subscribed (undefined: it was not). */
  refusal(topic: string): string | undefined {
    return this.refused.get(topic);
  }

  private async connect(connectUri: string): Promise<WebSocket> {
    // Over a websocket the API did not choose, anyone could forge a Complete: wss to an allowed host only.
    const outbound =
      this.options.outbound ?? new OutboundPolicy({ ownUrls: [this.options.apiBaseUrl], allowedHosts: [] });
    const checked = await outbound.check(connectUri, 'wss:');
    if (!checked.ok)
      throw new Error(`notification channel refused by the outbound policy: ${checked.reason}`);
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(connectUri, {
        handshakeTimeout: this.readyTimeoutMs,
        maxPayload: this.maxMessageBytes,
        perMessageDeflate: false,
        followRedirects: false,
      });
      // The channel must not keep a worker process alive on its own: once nothing else runs, the process may end.
      socket.once('upgrade', (res) => res.socket.unref());
      socket.once('open', () => {
        socket.off('error', reject);
        resolve(socket);
      });
      socket.once('error', reject);
    });
  }

  private heard(channel: OpenChannel, data: RawData, isBinary: boolean): void {
    this.lastHeardMs = Date.now();
    if (isBinary || this.channel !== channel) return;
    let json: unknown;
    try {
      json = JSON.parse(rawText(data));
    } catch {
      return; // Not a notification; heartbeats and events are JSON.
    }
    const message = channelMessageSchema.safeParse(json);
    if (!message.success || !channel.topics.has(message.data.topicName)) return;
    const topic = message.data.topicName;
    if (topic.endsWith('.schedules.query')) {
      const ready = agentSchedulesQueryNotificationSchema.safeParse(message.data.eventBody);
      if (ready.success && ready.data.downloadUrl.length <= MAX_DOWNLOAD_URL_CHARS)
        this.settle({
          operationId: ready.data.operationId,
          downloadUrl: ready.data.downloadUrl,
          status: 'Complete',
          topic,
        });
      return;
    }
    const event = schedulesNotificationSchema.safeParse(message.data.eventBody);
    if (!event.success || !FINAL.has(event.data.status)) return;
    const scheduleId = (event.data.result as { id?: unknown } | undefined)?.id;
    this.settle({
      operationId: event.data.operationId,
      status: event.data.status as FinalOutcome['status'],
      topic,
      ...(typeof scheduleId === 'string' ? { scheduleId: scheduleId.slice(0, MAX_ID_CHARS + 1) } : {}),
      ...(event.data.result?.metadata?.version !== undefined
        ? { version: event.data.result.metadata.version }
        : {}),
    });
  }

  /**
   * Wakes whoever waits for the operation, or keeps its first final status for a while (duplicates are ignored):
   * small fields only, at most MAX_KEPT_OUTCOMES of them, the oldest first out.
   */
  private settle(outcome: FinalOutcome): void {
    if (outcome.operationId.length > MAX_ID_CHARS) return;
    const key = outcomeKey(outcome.topic, outcome.operationId);
    const waiting = this.waiters.get(key);
    if (waiting && waiting.size > 0) {
      for (const wake of waiting) wake(outcome);
      return;
    }
    if (this.outcomes.has(key)) return;
    const now = Date.now();
    for (const [id, kept] of this.outcomes) {
      if (now - kept.atMs < this.keepOutcomesMs && this.outcomes.size < MAX_KEPT_OUTCOMES) break;
      this.outcomes.delete(id);
    }
    this.outcomes.set(key, { outcome, atMs: now });
  }

  /** Heartbeats every 30 s (Genesys): past half the idle time a ping asks for a sign of life; past all of it, dead. */
  private watchIdle(channel: OpenChannel): void {
    this.lastHeardMs = Date.now();
    clearInterval(this.idleTimer);
    this.idleTimer = setInterval(
      () => {
        if (this.channel !== channel) return;
        const silentMs = Date.now() - this.lastHeardMs;
        if (silentMs >= this.idleTimeoutMs) {
          this.lost(channel, `no heartbeat for ${Math.round(silentMs / 1000)} s`);
          channel.socket.terminate();
        } else if (silentMs >= this.idleTimeoutMs / 2) channel.socket.ping();
      },
      Math.max(100, Math.floor(this.idleTimeoutMs / 4)),
    );
    this.idleTimer.unref();
  }

  /** The websocket of `channel` is gone: waiting callers poll, and a new channel is opened after a backoff. */
  private lost(channel: OpenChannel, reason: string): void {
    if (this.channel !== channel) return;
    this.dropChannel(true);
    this.options.onEvent?.({ kind: 'closed', channelId: channel.id, reason });
    if (this.closed) return;
    this.failures++;
    this.scheduleReopen();
  }

  /** Forgets the channel (its websocket ended at once if `terminate`); whoever waits for a notification polls. */
  private dropChannel(terminate: boolean): void {
    const channel = this.channel;
    this.channel = undefined;
    clearInterval(this.idleTimer);
    this.idleTimer = undefined;
    if (terminate && channel?.socket.readyState === WebSocket.OPEN) channel.socket.terminate();
    // A notification may come on no websocket now: nobody waits for it any longer.
    for (const set of this.waiters.values()) for (const wake of set) wake(undefined);
  }

  private failed(err: unknown): void {
    this.failures++;
    const retryInMs = this.scheduleReopen();
    const reason = err instanceof Error ? err.message : String(err);
    this.options.onEvent?.({ kind: 'unavailable', reason, retryInMs });
  }

  /** The next attempt, after 1 s, 2 s, 4 s ... up to `reconnectMaxMs`, with jitter; only if a topic is wanted. */
  private scheduleReopen(): number {
    const base = Math.min(this.reconnectMaxMs, this.reconnectMinMs * 2 ** Math.max(0, this.failures - 1));
    const delayMs = Math.round(base * (0.5 + Math.random() / 2));
    this.retryAtMs = Date.now() + delayMs;
    clearTimeout(this.reconnectTimer);
    if (this.closed || this.topics.size === 0) return delayMs;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      const [topic] = this.topics;
      if (topic !== undefined && !this.closed) void this.enqueue(() => this.ensure(topic));
    }, delayMs);
    this.reconnectTimer.unref();
    return delayMs;
  }
}

/** The outcome, unless it names another schedule than the one `source` writes (then it is not this operation's). */
function ofSchedule(outcome: FinalOutcome | undefined, source: OutcomeSource): FinalOutcome | undefined {
  if (!outcome || source.scheduleId === undefined || outcome.scheduleId === undefined) return outcome;
  return outcome.scheduleId === source.scheduleId ? outcome : undefined;
}

/**
 * `promise`, or `fallback` after `timeoutMs` (or if it fails); the caller's cancellation (`signal`) rejects with its
 * reason. One signal for both ends of the wait, so nothing is left to clear.
 */
function race<T>(
  promise: Promise<T>,
  timeoutMs: number,
  signal: AbortSignal | undefined,
  fallback: T,
): Promise<T> {
  const stop = AbortSignal.any([AbortSignal.timeout(timeoutMs), ...(signal ? [signal] : [])]);
  return new Promise<T>((resolve, reject) => {
    const stopped = () => (signal?.aborted ? reject(signal.reason) : resolve(fallback));
    if (stop.aborted) return stopped();
    stop.addEventListener('abort', stopped, { once: true });
    const settle = (value: T) => {
      stop.removeEventListener('abort', stopped);
      resolve(value);
    };
    promise.then(settle, () => settle(fallback));
  });
}

/** Closes cleanly (close frame), or ends the connection if the server does not answer within a second. */
function closeSocket(socket: WebSocket): Promise<void> {
  if (socket.readyState === WebSocket.CLOSED) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      socket.terminate();
      resolve();
    }, 1000);
    timer.unref();
    socket.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    socket.close(1000);
  });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data as ArrayBuffer).toString('utf8');
}
