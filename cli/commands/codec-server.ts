import type { Command } from 'commander';
import { z } from 'zod';
import { commandWithOptions, intOption, parseOptions } from '../options';
import { onShutdownSignal, print, say } from '../output';

const codecServerOptions = z.object({
  port: intOption(0, 65535).default(8888).describe('port on 127.0.0.1'),
  origin: z
    .array(z.string().url())
    .default(['http://localhost:8233'])
    .meta({ arg: 'url' })
    .describe('browser origins allowed to call it (the Temporal UI)'),
  token: z
    .string()
    .min(8)
    .optional()
    .describe('require Authorization: Bearer <token> (the UI can pass its access token)'),
});

/** `wfm-push codec-server`: decodes payloads for the Temporal UI with this process's payload keys. */
export function codecServerCommand(): Command {
  return commandWithOptions('codec-server', codecServerOptions)
    .description(
      'Serve the payload codec to the Temporal UI, so operators read decoded payloads (UI: Data Encoder, or the dev server flag --ui-codec-endpoint).',
    )
    .action(async (raw: Record<string, unknown>) => {
      const options = parseOptions(codecServerOptions, raw);
      const { loadSettings, keyGenerated } = await import('../session');
      const { loadPayloadCodec } = await import('../../common/codec-keys');
      const { startCodecServer } = await import('../../client/codec-server');
      const settings = loadSettings();
      // It only shows payloads: one in clear (a start refused by the workers) is shown as it is.
      const codec = await loadPayloadCodec({ ...settings, encryption: 'on' }, keyGenerated, {
        plaintext: 'pass',
      });
      if (!codec) return;
      const server = await startCodecServer({
        codec,
        port: options.port,
        origins: options.origin,
        token: options.token,
      });
      onShutdownSignal(() => server.close());
      say(`Codec server for ${options.origin.join(', ')}${options.token ? ' (bearer token required)' : ''}`);
      print(`listening ${server.url}`);
    });
}
