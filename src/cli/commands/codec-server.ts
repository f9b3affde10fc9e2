import { Command, Option } from 'commander';
import { AesGcmPayloadCodec } from '../../codec/aes-gcm-codec';
import { startCodecServer } from '../../codec/codec-server';
import { CODEC_KEYS_ENV, CodecKeyError, loadCodecKeySet } from '../../codec/keys';
import { parseCredentialReference } from '../../secrets/reference';
import { SecretResolver } from '../../secrets/resolver';
import { CliExit, EXIT } from '../exit-codes';

/** `drydock codec-server`: decodes (and encodes) drydock's encrypted payloads for the Temporal
 * web UI and `temporal --codec-endpoint`. */
interface CodecServerFlags {
  codecKeys?: string;
  token?: string;
  listen: string;
  uiOrigin: string[];
}

const HELP_AFTER = `
Endpoints: POST /encode and POST /decode, Temporal's codec server protocol, with
"Authorization: Bearer <token>". Browsers are answered for the --ui-origin origins only (CORS).
Every process that reads the payloads needs the same key set: see docs/production.md.

Examples:
  DRYDOCK_CODEC_KEYS=file:/etc/drydock/codec-keys.yaml DRYDOCK_CODEC_TOKEN=file:/etc/drydock/codec-token \\
    drydock codec-server --listen 127.0.0.1:8888 --ui-origin http://127.0.0.1:8233
  temporal workflow show -w <id> --codec-endpoint http://127.0.0.1:8888 --codec-auth "Bearer $(cat /etc/drydock/codec-token)"
`;

export function registerCodecServerCommand(program: Command): void {
  program
    .command('codec-server')
    .summary('serve /encode and /decode of encrypted payloads for the web UI and the temporal CLI')
    .addOption(new Option('--codec-keys <reference>', 'key set: file:/path or env:NAME').env(CODEC_KEYS_ENV))
    .addOption(new Option('--token <reference>', 'bearer token callers must send: file:/path or env:NAME').env('DRYDOCK_CODEC_TOKEN'))
    .addOption(new Option('--listen <ip:port>', 'address to listen on').default('127.0.0.1:8888'))
    .addOption(new Option('--ui-origin <origin...>', 'browser origins allowed (the web UI\'s, e.g. http://127.0.0.1:8233)').default([]))
    .addHelpText('after', HELP_AFTER)
    .action(async (flags: CodecServerFlags) => {
      if (!flags.codecKeys) throw new CliExit(EXIT.badInput, `give the key set with --codec-keys or ${CODEC_KEYS_ENV} (file:/path or env:NAME)`);
      if (!flags.token) throw new CliExit(EXIT.badInput, 'give the bearer token with --token or DRYDOCK_CODEC_TOKEN (file:/path or env:NAME)');
      let codec: AesGcmPayloadCodec;
      let token: string;
      try {
        if (parseCredentialReference(flags.token).scheme === 'cleartext') throw new CodecKeyError('--token must be a reference (file:/path or env:NAME), not the token itself');
        codec = new AesGcmPayloadCodec(loadCodecKeySet(flags.codecKeys));
        token = new SecretResolver().resolve(flags.token, 'codec server token').reveal();
      } catch (err) {
        throw new CliExit(EXIT.badInput, err instanceof Error ? err.message : String(err));
      }
      const match = /^(.+):(\d+)$/.exec(flags.listen);
      if (!match) throw new CliExit(EXIT.badInput, `--listen must be IP:PORT, not "${flags.listen}"`);
      const server = await startCodecServer({ codec, token, allowedOrigins: flags.uiOrigin, host: match[1], port: Number(match[2]) });
      process.stdout.write(`codec server at ${server.url} (current key ${codec.currentKeyId})\n`);
      await new Promise<void>((done) => {
        process.once('SIGINT', done);
        process.once('SIGTERM', done);
      });
      await server.close();
    });
}
