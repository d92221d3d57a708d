import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WfmSimulator } from './wfm-simulator';

export interface RunningSimulator {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Listens on loopback; port 0 picks a free one. */
export async function listen(sim: WfmSimulator, port = 0, host = '127.0.0.1'): Promise<RunningSimulator> {
  const server: Server = createServer(sim.handle);
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
