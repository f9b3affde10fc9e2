import type { Payload, PayloadCodec } from '@temporalio/common';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { CodecKeySet } from './keys';

/**
 * AES-256-GCM payload codec with key ids. Each payload is replaced by one whose metadata says
 * `encoding: binary/encrypted` and `encryption-key-id: <id>`, and whose data is
 * `12-byte IV | ciphertext | 16-byte tag` of the original payload (its metadata and data, so the
 * original encoding is hidden too). The key id is authenticated data: a payload cannot be
 * passed off as encrypted with another key. Encoding uses the current key; decoding uses the key
 * the payload names, so payloads written before a rotation still decode.
 *
 * Payloads that are not ours (no `binary/encrypted` encoding) pass through decode unchanged:
 * histories written before encryption was turned on stay readable.
 */
export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export class PayloadDecryptionError extends Error {
  override name = 'PayloadDecryptionError';
}

interface InnerPayload {
  m: Record<string, string>;
  d: string;
}

function serialize(payload: Payload): Buffer {
  const m: Record<string, string> = {};
  for (const [k, v] of Object.entries(payload.metadata ?? {})) if (v) m[k] = Buffer.from(v).toString('base64');
  const inner: InnerPayload = { m, d: Buffer.from(payload.data ?? new Uint8Array()).toString('base64') };
  return Buffer.from(JSON.stringify(inner));
}

function deserialize(bytes: Buffer): Payload {
  const inner = JSON.parse(bytes.toString('utf8')) as InnerPayload;
  const metadata: Record<string, Uint8Array> = {};
  for (const [k, v] of Object.entries(inner.m)) metadata[k] = Buffer.from(v, 'base64');
  return { metadata, data: Buffer.from(inner.d, 'base64') };
}

export class AesGcmPayloadCodec implements PayloadCodec {
  constructor(private readonly keySet: CodecKeySet) {}

  get currentKeyId(): string {
    return this.keySet.currentKeyId;
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    const keyId = this.keySet.currentKeyId;
    const key = this.keySet.keys.get(keyId) as Buffer;
    return payloads.map((payload) => {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(Buffer.from(keyId));
      const ciphertext = Buffer.concat([cipher.update(serialize(payload)), cipher.final()]);
      return {
        metadata: { encoding: Buffer.from(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: Buffer.from(keyId) },
        data: Buffer.concat([iv, ciphertext, cipher.getAuthTag()]),
      };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const encoding = payload.metadata?.encoding;
      if (!encoding || Buffer.from(encoding).toString() !== ENCRYPTED_ENCODING) return payload;
      const idBytes = payload.metadata?.[KEY_ID_METADATA];
      const keyId = idBytes ? Buffer.from(idBytes).toString() : '';
      const key = this.keySet.keys.get(keyId);
      if (!key) {
        throw new PayloadDecryptionError(`a payload is encrypted with key "${keyId}", which is not in this process's key set (known: ${[...this.keySet.keys.keys()].join(', ')}); add it to the key set`);
      }
      const data = Buffer.from(payload.data ?? new Uint8Array());
      if (data.length < IV_BYTES + TAG_BYTES) throw new PayloadDecryptionError(`a payload encrypted with key "${keyId}" is truncated (${data.length} bytes)`);
      const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
      decipher.setAAD(Buffer.from(keyId));
      decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
      try {
        return deserialize(Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]));
      } catch {
        throw new PayloadDecryptionError(`a payload encrypted with key "${keyId}" does not decrypt: the key with that id differs from the one that encrypted it, or the payload was altered`);
      }
    });
  }
}
