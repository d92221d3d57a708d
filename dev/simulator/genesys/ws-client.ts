import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import type { Duplex } from 'node:stream';
import { acceptKey, encodeFrame, FrameReader, OPCODE } from './websocket';

/** A notification as it arrives on the channel's websocket. */
export interface ChannelMessage {
  topicName: string;
  eventBody: unknown;
  version?: string;
  metadata?: unknown;
}

/**
 * A minimal websocket client for the simulator's notification channel (tests and the demo; node 20 has no global
 * WebSocket): collects every message and waits for the one a test expects.
 */
export class ChannelClient {
  readonly messages: ChannelMessage[] = [];
  private waiters: Array<() => void> = [];

  private constructor(private readonly socket: Duplex) {
    const reader = new FrameReader((opcode, payload) => {
      if (opcode !== OPCODE.text) return;
      this.messages.push(JSON.parse(payload.toString('utf8')) as ChannelMessage);
      for (const wake of this.waiters.splice(0)) wake();
    });
    socket.on('data', (chunk: Buffer) => reader.push(chunk));
  }

  /** Opens `connectUri` (`ws://host:port/channels/{id}`). */
  static connect(connectUri: string): Promise<ChannelClient> {
    const url = new URL(connectUri.replace(/^ws/, 'http'));
    const key = randomBytes(16).toString('base64');
    return new Promise((resolve, reject) => {
      const req = request(url, {
        headers: {
          Connection: 'Upgrade',
          Upgrade: 'websocket',
          'Sec-WebSocket-Version': '13',
          'Sec-WebSocket-Key': key,
        },
      });
      req.on('upgrade', (res, socket) => {
        if (res.headers['sec-websocket-accept'] !== acceptKey(key))
          reject(new Error('bad Sec-WebSocket-Accept'));
        else resolve(new ChannelClient(socket));
      });
      req.on('response', (res) => reject(new Error(`no upgrade: HTTP ${res.statusCode}`)));
      req.on('error', reject);
      req.end();
    });
  }

  sendText(text: string): void {
    this.socket.write(encodeFrame(OPCODE.text, Buffer.from(text, 'utf8'), true));
  }

  /** The first message (already received or to come) that `matches`, or a rejection after `timeoutMs`. */
  async next(matches: (m: ChannelMessage) => boolean, timeoutMs = 5_000): Promise<ChannelMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.messages.find(matches);
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching notification within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  close(): void {
    this.socket.end(encodeFrame(OPCODE.close, Buffer.alloc(0), true));
    this.socket.destroy();
  }
}
