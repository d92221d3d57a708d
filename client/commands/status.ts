import { connectClient } from '../../config/temporal';
import { CliExit, ExitCode, printJson } from '../cli-support';
import { pushStatus } from '../push-client';
import { formatReport, progressLine } from '../report-format';
import { finish } from './push';

/** `wfm-push status <planId>`: one line on where the push stands. */
export async function statusCommand(planId: string, options: { json?: boolean }): Promise<void> {
  const client = await connectClient();
  try {
    const status = await pushStatus(client, planId);
    if (options.json) return printJson(status);
    switch (status.state) {
      case 'not-found':
        throw new CliExit(ExitCode.failed, `No push with plan ID ${planId}`);
      case 'running':
        process.stdout.write(
          `Push ${planId} is running. ${status.progress ? progressLine(status.progress) : '(waiting for a worker)'}\n`,
        );
        return;
      case 'completed': {
        const t = status.report.totals;
        process.stdout.write(
          `Push ${planId} completed: ${t.agentsChanged + t.agentsAlreadyInPlace}/${t.agentsPlanned} agents in place, ${t.schedulesFailed} schedule(s) failed\n`,
        );
        return;
      }
      default:
        throw new CliExit(ExitCode.failed, `Push ${planId} ${status.state}: ${status.message}`);
    }
  } finally {
    await client.connection.close();
  }
}

/** `wfm-push report <planId>`: the full report of a finished push (exit 1 if any schedule failed). */
export async function reportCommand(planId: string, options: { json?: boolean }): Promise<void> {
  const client = await connectClient();
  try {
    const status = await pushStatus(client, planId);
    if (status.state === 'completed') return finish(status.report, options.json ?? false);
    if (options.json) printJson(status);
    if (status.state === 'running') {
      const totals = status.progress?.totals;
      if (!options.json && totals)
        process.stdout.write(`${formatReport({ planId, state: 'running', totals, schedules: [] })}\n`);
      throw new CliExit(
        ExitCode.failed,
        `Push ${planId} is still running; the full report comes when it completes.`,
      );
    }
    throw new CliExit(
      ExitCode.failed,
      status.state === 'not-found'
        ? `No push with plan ID ${planId}`
        : `Push ${planId} ${status.state}: ${status.message}`,
    );
  } finally {
    await client.connection.close();
  }
}
