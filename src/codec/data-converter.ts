import type { DataConverter } from '@temporalio/common';
import { AesGcmPayloadCodec } from './aes-gcm-codec';
import { failureConverter } from './failure-converter';
import { CODEC_KEYS_ENV, loadCodecKeySet } from './keys';

/** The module Worker.create loads (and bundles into the workflow sandbox) for failures. */
export const FAILURE_CONVERTER_PATH = require.resolve('./failure-converter');

/** The worker's data converter: payloads encrypted, failures' messages and stacks encoded. */
export function workerDataConverter(keysReference: string, env: NodeJS.ProcessEnv = process.env): DataConverter {
  return { payloadCodecs: [new AesGcmPayloadCodec(loadCodecKeySet(keysReference, env))], failureConverterPath: FAILURE_CONVERTER_PATH };
}

/** The same for a Client (which takes the failure converter itself, not its path). */
export function clientDataConverter(keysReference: string, env: NodeJS.ProcessEnv = process.env): { payloadCodecs: AesGcmPayloadCodec[]; failureConverter: typeof failureConverter } {
  return { payloadCodecs: [new AesGcmPayloadCodec(loadCodecKeySet(keysReference, env))], failureConverter };
}

/** The key set reference from the environment, if payload encryption is on. */
export function codecKeysFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env[CODEC_KEYS_ENV] || undefined;
}

/** What a process without the key set says when it meets an encrypted payload, with what to do. */
export function explainCodecError(message: string): string {
  if (!message.includes('Unknown encoding: binary/encrypted')) return message;
  return `${message}: the payloads are encrypted; give this process the key set with ${CODEC_KEYS_ENV} or --codec-keys (file:/path or env:NAME)`;
}
