/**
 * CI: installs, one after the other, the tools two Jest processes would otherwise both install at once (`.ci/run`
 * runs the store-outage test beside the rest): the pinned Temporal CLI and PostgreSQL's server binaries.
 */
import { ensureTemporalCli } from '../dev/temporal-dev-server';
import { ensurePostgresBinaries } from '../test/infra/postgres';

async function main(): Promise<void> {
  const log = (line: string) => process.stderr.write(`${line}\n`);
  await ensureTemporalCli({ cliPath: process.env.TEMPORAL_CLI_PATH, log });
  await ensurePostgresBinaries(log);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
