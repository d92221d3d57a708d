import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { GenesysSimulator } from './genesys-simulator';

export interface RunningGenesysSimulator {
  /** `http://127.0.0.1:port`: serves the login host (`/oauth/token`), the API (`/api/v2/...`) and the storage. */
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Listens on loopback (port 0 picks a free one), websocket upgrades included, and starts the simulator's timers. */
export async function listenGenesys(
  sim: GenesysSimulator,
  port = 0,
  host = '127.0.0.1',
): Promise<RunningGenesysSimulator> {
  const server: Server = createServer(sim.handle);
  server.on('upgrade', sim.handleUpgrade);
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
