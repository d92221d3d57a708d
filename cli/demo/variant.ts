import type { Env } from '../../common/env';
import type { SharedSettings } from '../../common/settings';
import type { Service } from '../../dev/processes';
import type { DevServer } from '../../dev/temporal-dev-server';
import type { Plan } from '../../model/plan';
import type { PushReport } from '../../model/report';
import type { DemoOptions } from './options';

/** What the demo started, so it can stop all of it (or leave it running with --keep). */
export interface Started {
  server?: DevServer;
  services: Service[];
}

/** Where a demo run keeps its files, and its unique stamp. */
export interface DemoRun {
  options: DemoOptions;
  started: Started;
  runDir: string;
  stamp: string;
  /** Once its worker is started: what another shell needs to use what the demo runs (`--keep`). */
  reuse?: {
    settings: SharedSettings;
    /** The worker's WFM variables (the simulator's URL and credentials). */
    wfmEnv: Env;
    planId: string;
    uiUrl?: string;
  };
}

/** What differs between the WFMs: the simulator and its plan, the worker's WFM settings, the check. */
export interface DemoVariant {
  simulatorTitle(options: DemoOptions): string;
  /** Starts the simulator; returns its URL and the plan to push into it. */
  startSimulator(run: DemoRun): Promise<{ url: string; plan: Plan }>;
  /** The worker's WFM variables for a simulator at `url`. */
  workerEnv(url: string): Env;
  /** The invariants against the simulator's evidence; prints what it found and returns the violations. */
  check(url: string, plan: Plan, report: PushReport): Promise<number>;
}
