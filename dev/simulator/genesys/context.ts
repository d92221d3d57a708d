import type { IncomingMessage } from 'node:http';
import type { Caller, TokenAuthority } from './auth';
import type { NotificationHub } from './notifications';
import type { GenesysSimulatorOptions } from './options';
import type { SignedStorage } from './storage';
import type { GenesysStore } from './store';

/** What the route modules share with the simulator (its state), without importing the class. */
export interface SimContext {
  readonly options: GenesysSimulatorOptions;
  readonly store: GenesysStore;
  readonly storage: SignedStorage;
  readonly notifications: NotificationHub;
  readonly auth: TokenAuthority;
  readonly now: () => Date;
  readonly random: () => number;
  /** Runs `fn` after `ms` (an asynchronous operation finishing); cancelled by `stop`. */
  later(ms: number, fn: () => void): void;
}

/** One authenticated API request. */
export interface ApiRequest {
  req: IncomingMessage;
  url: URL;
  caller: Caller;
  /** `http://host:port` as the client reached the simulator: the base of the URLs it hands out. */
  origin: string;
  /** The path's `{...}` parameters. */
  params: Record<string, string>;
  body: unknown;
}

/** What a route answers: a JSON body, or (a lost response) nothing at all after the work is done. */
export type Answer = { status: number; body: unknown } | { drop: true };
