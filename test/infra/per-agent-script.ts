import { sleep } from '../../common/sleep';
import type { Plan } from '../../model/plan';
import { retryAfterMs } from '../../wfm/rate/rate-limit-headers';
import { applyChanges } from '../../wfm/rest/apply-changes';
import type { ScheduleDocument } from '../../wfm/rest/schedule-document';

/**
 * What the field report's script does, kept to compare against: one GET and one PUT per agent, `concurrency` agents
 * at a time, and on a 409 "fetch the latest version, re-apply, retry" with exponential backoff (the report's suggested
 * fix), honouring Retry-After. No Temporal, no batching, no rebase of other agents.
 */
export async function runPerAgentScript(options: {
  baseUrl: string;
  plan: Plan;
  /** Agents pushed at once. Default 10. */
  concurrency?: number;
  /** Tries per agent before it gives up. Default 8. */
  maxTries?: number;
  token?: string;
  /** Takes no new agent after this time (epoch ms), for a bounded run. Default: runs to the end. */
  stopAtMs?: number;
}): Promise<{ landed: number; gaveUp: number; seconds: number }> {
  const { baseUrl, plan, concurrency = 10, maxTries = 8, token = 'dev-token', stopAtMs = Infinity } = options;
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  let landed = 0;
  let gaveUp = 0;
  const started = Date.now();
  const work = plan.schedules.flatMap((schedule) => schedule.agents.map((agent) => ({ schedule, agent })));
  const waitOut = (res: Response) => sleep(retryAfterMs(res.headers.get('retry-after'), Date.now()) ?? 1000);
  const pushAgent = async ({ schedule, agent }: (typeof work)[number]) => {
    const url = `${baseUrl}/api/v2/wfm/schedules/${encodeURIComponent(schedule.scheduleId)}`;
    for (let attempt = 0; attempt < maxTries; attempt++) {
      try {
        const read = await fetch(url, { headers });
        if (read.status === 429) {
          await waitOut(read);
          continue;
        }
        if (!read.ok) throw new Error(`GET ${read.status}`);
        const body = applyChanges((await read.json()) as ScheduleDocument, [agent]);
        const write = await fetch(url, { method: 'PUT', headers, body: JSON.stringify(body) });
        if (write.ok) {
          landed++;
          return;
        }
        if (write.status === 429) await waitOut(write);
      } catch {
        // Reset or 5xx: back off and retry, like the script.
      }
      await sleep(Math.min(5000, 100 * 2 ** attempt) * Math.random());
    }
    gaveUp++;
  };
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let next = work.shift(); next && Date.now() < stopAtMs; next = work.shift()) await pushAgent(next);
    }),
  );
  return { landed, gaveUp, seconds: (Date.now() - started) / 1000 };
}
