import type { Command } from 'commander';
import { z } from 'zod';
import { parseEnv } from '../../common/env';
import { commandWithOptions, intOption, parseOptions } from '../options';
import { CliExit, ExitCode, onShutdownSignal, say } from '../output';

const devServerOptions = z.object({
  port: intOption(1, 64535).default(7233).describe('gRPC port (the UI listens on port + 1000)'),
  db: z
    .string()
    .optional()
    .meta({ arg: 'file' })
    .describe('SQLite file, kept across restarts (default .data/temporal/dev-server.sqlite)'),
  headless: z.boolean().optional().describe('no web UI'),
  uiCodecEndpoint: z
    .url({ protocol: /^https?$/ })
    .optional()
    .meta({ arg: 'url' })
    .describe(
      'the codec server the UI decodes payloads with (default: one this command starts on 127.0.0.1, with the payload keys of this shell: WFM_PUSH_CODEC_KEYS, or the data folder)',
    ),
  codecPort: intOption(0, 65535)
    .default(8888)
    .describe('port of the codec server it starts for the UI (a free one if taken)'),
});

/**
 * `wfm-push dev-server`: a local Temporal server with the project's search attributes, until SIGINT/SIGTERM. Its UI
 * reads the encrypted payloads through a codec server: the one `--ui-codec-endpoint` names, or one it starts itself.
 */
export function devServerCommand(): Command {
  return commandWithOptions('dev-server', devServerOptions)
    .description(
      'Run a local Temporal server (installs the pinned Temporal CLI when missing); UI on port + 1000, decoding payloads through a codec server it starts (or --ui-codec-endpoint).',
    )
    .action(async (raw: Record<string, unknown>) => {
      const options = parseOptions(devServerOptions, raw);
      const { devServerEnvSchema, startDevServer } = await import('../../dev/temporal-dev-server');
      const codec = options.headless ? undefined : await uiCodec(options);
      try {
        const server = await startDevServer({
          port: options.port,
          dbFile: options.db,
          headless: options.headless,
          uiCodecEndpoint: codec?.url,
          cliPath: parseEnv(devServerEnvSchema, process.env).TEMPORAL_CLI_PATH,
          log: say,
          // Ctrl-C, SIGTERM, a closed terminal or a kill -9 of this command: the server goes with it.
          tiedToThisProcess: true,
        });
        if (server.pid === undefined) {
          say(
            'Its UI decodes payloads with whatever codec endpoint it was started with; `wfm-push codec-server` serves one (SECURITY.md).',
          );
          return;
        }
        const decoding = codec
          ? `, payloads decoded by ${codec.url}${codec.ours ? ' (started here)' : ''}`
          : '';
        say(
          `Temporal dev server ready on ${server.address}${server.uiUrl ? `, UI ${server.uiUrl}${decoding}` : ''} (Ctrl-C stops it)`,
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
      } finally {
        await codec?.close();
      }
    });
}

/**
 * The codec endpoint of the UI: the one named, or a codec server started in this process with the payload keys a
 * client in this shell uses (none when encryption is off), answering the UI's origin.
 */
async function uiCodec(
  options: z.infer<typeof devServerOptions>,
): Promise<{ url: string; ours: boolean; close(): Promise<void> } | undefined> {
  if (options.uiCodecEndpoint) return { url: options.uiCodecEndpoint, ours: false, close: async () => {} };
  const { loadSettings, keyGenerated } = await import('../session');
  const { loadPayloadCodec } = await import('../../common/codec-keys');
  const { startCodecServer } = await import('../../client/codec-server');
  const { freePort } = await import('../../dev/processes');
  // It only shows payloads: one in clear (a start the workers refused) is shown as it is.
  const codec = await loadPayloadCodec(loadSettings(), keyGenerated, { plaintext: 'pass' });
  if (!codec) return undefined; // WFM_PUSH_ENCRYPTION=off: payloads are in clear.
  const uiPort = options.port + 1000;
  const server = await startCodecServer({
    codec,
    port: await freePort(options.codecPort),
    origins: [`http://localhost:${uiPort}`, `http://127.0.0.1:${uiPort}`],
  });
  return { url: server.url, ours: true, close: () => server.close() };
}
