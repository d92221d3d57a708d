import { CliExit, ExitCode, onShutdownSignal } from '../cli-support';
import { startDevServer } from '../temporal-dev-server';

/** `wfm-push dev-server`: a local Temporal server with the project's search attributes, until SIGINT/SIGTERM. */
export async function devServerCommand(options: {
  port: number;
  db?: string;
  headless?: boolean;
}): Promise<void> {
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const server = await startDevServer(
    { port: options.port, dbFile: options.db, headless: options.headless },
    log,
  );
  if (server.pid === undefined) return;
  log(
    `Temporal dev server ready on ${server.address}${server.uiUrl ? `, UI ${server.uiUrl}` : ''} (Ctrl-C stops it)`,
  );
  let stopping = false;
  onShutdownSignal(() => {
    stopping = true;
    return server.stop();
  });
  const code = await server.untilExit();
  if (stopping) return;
  throw new CliExit(
    ExitCode.failed,
    `The Temporal dev server exited on its own (code ${code}); see its log next to ${options.db ?? 'the database'}`,
  );
}
