import type { ScheduleDocument } from './schedule-document';
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

  stats(): Promise<ReturnType<WfmSimulator['stats']>> {
    return this.get('/_sim/stats');
  }

  private async get<T>(path: string): Promise<T> {
    const res = await fetch(`${this.baseUrl}${path}`);
    if (!res.ok) throw new Error(`simulator ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  }
}
