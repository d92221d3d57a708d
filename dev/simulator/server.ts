import { createServer, type IncomingMessage, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';

export interface RunningSimulator {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** What a simulator gives the server: its request handler, timers to start and stop, maybe WebSocket upgrades. */
export interface Listenable {
  handle: RequestListener;
  handleUpgrade?: (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
  start(): void;
  stop(): void;
}

/** Listens on loopback (port 0 picks a free one) and starts the simulator's timers; `close` stops both. */
export async function listen(sim: Listenable, port = 0, host = '127.0.0.1'): Promise<RunningSimulator> {
  const server: Server = createServer(sim.handle);
  if (sim.handleUpgrade) server.on('upgrade', sim.handleUpgrade);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  sim.start();
  const actual = (server.address() as AddressInfo).port;
  return {
    url: `http://${host}:${actual}`,
    port: actual,
    close: async () => {
      sim.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
