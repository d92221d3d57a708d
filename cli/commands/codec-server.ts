import type { Command } from 'commander';
import { z } from 'zod';
import { commandWithOptions, intOption, parseOptions } from '../options';
import { CliExit, ExitCode, onShutdownSignal, print, say } from '../output';

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
    .describe(
      'require Authorization: Bearer <token> (the UI can pass its access token); visible to every local user in the process list: prefer WFM_PUSH_CODEC_SERVER_TOKEN or --token-file',
    ),
  tokenFile: z
    .string()
    .min(1)
    .optional()
    .meta({ arg: 'path' })
    .describe('read the token from this file (owner-only), instead of --token'),
});

/** Where the token may come from, most private first: a file, the environment, the command line (visible in `ps`). */
async function tokenFrom(options: { token?: string; tokenFile?: string }): Promise<string | undefined> {
  const given = [options.tokenFile, process.env.WFM_PUSH_CODEC_SERVER_TOKEN, options.token].filter(
    (t) => t !== undefined && t !== '',
  );
  if (given.length > 1)
    throw new CliExit(
      ExitCode.invalidInput,
      'give the codec server token one way: --token-file, WFM_PUSH_CODEC_SERVER_TOKEN or --token',
    );
  let token = process.env.WFM_PUSH_CODEC_SERVER_TOKEN || options.token;
  if (options.tokenFile) {
    const { readFile, stat } = await import('node:fs/promises');
    const mode = (await stat(options.tokenFile)).mode & 0o077;
    if (mode !== 0)
      throw new CliExit(
        ExitCode.invalidInput,
        `--token-file ${options.tokenFile}: readable by group or others (mode ${(mode | 0o600).toString(8)}); chmod 600 it`,
      );
    token = (await readFile(options.tokenFile, 'utf8')).trim();
  }
  if (token !== undefined && token.length < 8)
    throw new CliExit(ExitCode.invalidInput, 'the codec server token must be at least 8 characters');
  if (options.token)
    say(
      'warning: --token is visible to every user of this machine in the process list; use WFM_PUSH_CODEC_SERVER_TOKEN or --token-file',
    );
  return token;
}

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
      const token = await tokenFrom(options);
      const server = await startCodecServer({
        codec,
        port: options.port,
        origins: options.origin,
        token,
      });
      onShutdownSignal(() => server.close());
      say(`Codec server for ${options.origin.join(', ')}${token ? ' (bearer token required)' : ''}`);
      if (!token)
        say(
          'warning: no token: every process on this machine can decode payloads here, and encode payloads the workers accept (WFM_PUSH_CODEC_SERVER_TOKEN or --token-file sets one)',
        );
      print(`listening ${server.url}`);
    });
}
