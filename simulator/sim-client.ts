import type { ScheduleDocument } from '../model/schedule-document';
import type { SimulatorOptions } from './options';
import type { CommitRecord } from './schedule-store';
import type { RequestRecord, WfmSimulator } from './wfm-simulator';

/** Reads a running simulator's test-only endpoints: the evidence tests and the demo check the invariants against. */
export class SimulatorClient {
  constructor(private readonly baseUrl: string) {}

  commits(): Promise<CommitRecord[]> {
    return this.get<{ commits: CommitRecord[] }>('/_sim/commits').then((r) => r.commits);
  }

  requests(): Promise<RequestRecord[]> {
    return this.get<{ requests: RequestRecord[] }>('/_sim/requests').then((r) => r.requests);
  }

  initial(): Promise<ScheduleDocument[]> {
    return this.get<{ schedules: ScheduleDocument[] }>('/_sim/initial').then((r) => r.schedules);
  }

  schedules(): Promise<ScheduleDocument[]> {
    return this.get<{ schedules: ScheduleDocument[] }>('/_sim/schedules').then((r) => r.schedules);
  }

  stats(): Promise<ReturnType<WfmSimulator['stats']>> {
    return this.get('/_sim/stats');
  }

  async setFaults(patch: Partial<SimulatorOptions>): Promise<void> {
    await this.send('PATCH', '/_sim/faults', patch);
  }

  async seed(schedules: ScheduleDocument[]): Promise<void> {
    await this.send('POST', '/_sim/schedules', { schedules });
  }

  private async get<T>(path: string): Promise<T> {
    const res = await fetch(`${this.baseUrl}${path}`);
    if (!res.ok) throw new Error(`simulator ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  }

  private async send(method: string, path: string, body: unknown): Promise<void> {
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json' },
    });
    if (!res.ok) throw new Error(`simulator ${method} ${path}: ${res.status} ${await res.text()}`);
  }
}
