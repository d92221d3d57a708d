import { createHash, randomBytes } from 'node:crypto';
import type { Duplex } from 'node:stream';

/*
 * Just enough RFC 6455 for the notification channel, so the project needs no `ws` dependency: the handshake, text
 * frames (masked from client to server, unmasked from server to client, §5.3), ping/pong and close. No fragmentation
 * and no extensions: neither side of this simulator sends them.
 */

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
export const OPCODE = { text: 0x1, close: 0x8, ping: 0x9, pong: 0xa } as const;

export function acceptKey(key: string): string {
  return createHash('sha1')
    .update(key + GUID)
    .digest('base64');
}

/** One frame; `mask` is required from a client (RFC 6455 §5.1). */
export function encodeFrame(opcode: number, payload: Buffer, mask = false): Buffer {
  const length = payload.length;
  const lengthBytes = length < 126 ? 0 : length < 65_536 ? 2 : 8;
  const header = Buffer.alloc(2 + lengthBytes + (mask ? 4 : 0));
  header[0] = 0x80 | opcode;
  header[1] = (mask ? 0x80 : 0) | (lengthBytes === 0 ? length : lengthBytes === 2 ? 126 : 127);
  if (lengthBytes === 2) header.writeUInt16BE(length, 2);
  if (lengthBytes === 8) header.writeBigUInt64BE(BigInt(length), 2);
  if (!mask) return Buffer.concat([header, payload]);
  const key = randomBytes(4);
  key.copy(header, 2 + lengthBytes);
  return Buffer.concat([header, Buffer.from(payload.map((b, i) => b ^ (key[i % 4] ?? 0)))]);
}

/** Splits a byte stream into frames as they complete. */
export class FrameReader {
  private pending = Buffer.alloc(0);

  constructor(private readonly onFrame: (opcode: number, payload: Buffer) => void) {}

  push(chunk: Buffer): void {
    this.pending = Buffer.concat([this.pending, chunk]);
    for (;;) {
      const frame = this.next();
      if (!frame) return;
      this.onFrame(frame.opcode, frame.payload);
    }
  }

  private next(): { opcode: number; payload: Buffer } | undefined {
    const b = this.pending;
    if (b.length < 2) return undefined;
    const opcode = (b[0] ?? 0) & 0x0f;
    const masked = ((b[1] ?? 0) & 0x80) !== 0;
    let length = (b[1] ?? 0) & 0x7f;
    let offset = 2;
    if (length === 126) {
      if (b.length < 4) return undefined;
      length = b.readUInt16BE(2);
      offset = 4;
    } else if (length === 127) {
      if (b.length < 10) return undefined;
      length = Number(b.readBigUInt64BE(2));
      offset = 10;
    }
    const maskOffset = offset;
    if (masked) offset += 4;
    if (b.length < offset + length) return undefined;
    let payload = b.subarray(offset, offset + length);
    if (masked) payload = Buffer.from(payload.map((x, i) => x ^ (b[maskOffset + (i % 4)] ?? 0)));
    this.pending = b.subarray(offset + length);
    return { opcode, payload };
  }
}

/** The server side of one websocket: text out, text in, answers pings and closes. */
export class ServerWebSocket {
  private closed = false;
  private readonly textListeners: Array<(text: string) => void> = [];
  private readonly closeListeners: Array<() => void> = [];

  constructor(private readonly socket: Duplex) {
    const reader = new FrameReader((opcode, payload) => {
      if (opcode === OPCODE.text) for (const l of this.textListeners) l(payload.toString('utf8'));
      else if (opcode === OPCODE.ping) this.write(OPCODE.pong, payload);
      else if (opcode === OPCODE.close) this.close();
    });
    socket.on('data', (chunk: Buffer) => reader.push(chunk));
    socket.on('close', () => this.ended());
    socket.on('error', () => this.ended());
  }

  /** Completes the handshake of an `upgrade` request on `socket`. */
  static accept(key: string, socket: Duplex): ServerWebSocket {
    socket.write(
      [
        'HTTP/1.1 101 Switching Protocols',
        'Upgrade: websocket',
        'Connection: Upgrade',
        `Sec-WebSocket-Accept: ${acceptKey(key)}`,
        '',
        '',
      ].join('\r\n'),
    );
    return new ServerWebSocket(socket);
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  sendText(text: string): void {
    this.write(OPCODE.text, Buffer.from(text, 'utf8'));
  }

  onText(listener: (text: string) => void): void {
    this.textListeners.push(listener);
  }

  onClose(listener: () => void): void {
    this.closeListeners.push(listener);
  }

  close(): void {
    if (this.closed) return;
    this.write(OPCODE.close, Buffer.alloc(0));
    this.socket.end();
    this.ended();
  }

  private write(opcode: number, payload: Buffer): void {
    if (!this.closed && this.socket.writable) this.socket.write(encodeFrame(opcode, payload));
  }

  private ended(): void {
    if (this.closed) return;
    this.closed = true;
    for (const l of this.closeListeners) l();
  }
}
