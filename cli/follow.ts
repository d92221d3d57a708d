import type { Client } from '@temporalio/client';
import type { PushReport } from '../model/report';
import { type PushContext, waitForReport } from '../client/push-client';
import { lookInFlight, type SyncsInFlight, type SyncTrouble } from '../client/sync-trouble';
import { formatReport, progressLine, RequestWindow } from '../client/report-format';
import type { PushProgress } from '../workflows/messages';
import { CliExit, ExitCode, print, printJson, say } from './output';

/** How long without an answer to the progress query before the CLI says no worker seems to be running. */
const NO_WORKER_WARNING_MS = 15_000;

/** Shows progress until the push ends, then its report; exit 1 unless every planned change is in place. */
export async function followToReport(
  ctx: PushContext,
  planId: string,
  json: boolean,
  /** The plan's tenant, when it names one (a plan ID is unique per tenant). */
  tenant?: string,
): Promise<void> {
  const report = await waitForReport(
    ctx,
    planId,
    showProgress(ctx.taskQueue, ctx.client, tenant),
    undefined,
    tenant,
  );
  process.stderr.write('\n');
  printReport(report, json);
}

/** Prints the report and ends with exit 0 only when the push completed with every change in place. */
export function printReport(report: PushReport, json: boolean): void {
  if (json) printJson(report);
  else print(formatReport(report));
  const t = report.totals;
  if (report.state !== 'completed' || t.schedulesFailed > 0 || t.schedulesDone < t.schedules)
    throw new CliExit(ExitCode.failed);
}

/** How often a follower looks into the schedules in flight (what they have written, what they are retrying). */
const LOOK_EVERY_MS = 3_000;

/**
 * Redraws one line on a terminal; elsewhere (CI, pipes) prints a line every 5 seconds. When no worker has answered
 * for a while, says so: a push without a worker waits, durably, but silently otherwise. With `client`, it also looks
 * into the schedules in flight: the agents they have written move the line (a push of one big schedule), and what
 * they are retrying (a WFM that refuses connections) gets a line of its own as it appears and ends.
 */
export function showProgress(
  taskQueue: string,
  client?: Client,
  /** The plan's tenant (part of its schedules' workflow IDs). */
  tenant?: string,
): (p: PushProgress | undefined) => void {
  const tty = process.stderr.isTTY;
  let lastLine = 0;
  let lastAnswer = Date.now();
  let warned = false;
  const requests = new RequestWindow();
  const trouble = client ? new InFlightWatch(client, tenant) : undefined;
  return (p) => {
    const now = Date.now();
    if (!p) {
      if (!warned && now - lastAnswer > NO_WORKER_WARNING_MS) {
        warned = true;
        say(
          `\nNo worker has answered for ${NO_WORKER_WARNING_MS / 1000} s. Is \`wfm-push worker\` running with WFM_PUSH_TASK_QUEUE=${taskQueue} against this Temporal server? The push waits for one.`,
        );
      }
      return;
    }
    lastAnswer = now;
    const news = trouble?.update(p, now);
    if (news !== undefined) say(`${tty ? '\r\x1b[K' : ''}${news}`);
    const syncing = trouble?.syncing;
    const line = progressLine(p, now, requests.add(p, now, syncing), syncing);
    if (tty) process.stderr.write(`\r${line}\x1b[K`);
    else if (now - lastLine >= 5000) {
      lastLine = now;
      say(line);
      if (trouble?.current && news === undefined) say(`  ! ${trouble.current.summary}`);
    }
  };
}

/**
 * Looks into the schedules in flight every few seconds: keeps what they have written, and says when a retried failure
 * appears, changes or ends.
 */
class InFlightWatch {
  current: SyncTrouble | undefined;
  syncing: SyncsInFlight | undefined;
  private checkedAtMs = 0;
  private checking = false;
  private pendingNews: string | undefined;

  constructor(
    private readonly client: Client,
    private readonly tenant?: string,
  ) {}

  /** What to tell the person now, if anything changed since the last call. */
  update(p: PushProgress, nowMs: number): string | undefined {
    if (p.inFlight === 0) this.syncing = undefined;
    if (!this.checking && nowMs - this.checkedAtMs >= LOOK_EVERY_MS && p.inFlight > 0) {
      this.checking = true;
      this.checkedAtMs = nowMs;
      // A failed look (a lost connection) says nothing; the next one is in a few seconds.
      void lookInFlight(this.client, p, Date.now(), this.tenant)
        .then(
          (look) => {
            this.syncing = look.syncing;
            this.found(look.trouble);
          },
          () => undefined,
        )
        .finally(() => (this.checking = false));
    }
    const news = this.pendingNews;
    this.pendingNews = undefined;
    return news;
  }

  private found(t: SyncTrouble | undefined): void {
    const before = this.current;
    this.current = t;
    const kind = (x: SyncTrouble | undefined) =>
      x ? `${x.type}|${x.problem ? JSON.stringify({ ...x.problem, sinceMs: 0 }) : x.message}` : '';
    if (kind(before) === kind(t)) return;
    this.pendingNews = t
      ? `! ${t.summary}`
      : before
        ? '  (the schedules in flight are no longer retrying a failure)'
        : undefined;
  }
}
