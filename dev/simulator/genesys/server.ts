import { listen, type RunningSimulator } from '../server';
import type { GenesysSimulator } from './genesys-simulator';

/** `http://127.0.0.1:port`: serves the login host (`/oauth/token`), the API (`/api/v2/...`) and the storage. */
export type RunningGenesysSimulator = RunningSimulator;

/** Listens on loopback (port 0 picks a free one), websocket upgrades included, and starts the simulator's timers. */
export function listenGenesys(
  sim: GenesysSimulator,
  port = 0,
  host = '127.0.0.1',
): Promise<RunningGenesysSimulator> {
  return listen(sim, port, host);
}
