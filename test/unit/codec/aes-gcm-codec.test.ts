import { defaultPayloadConverter } from '@temporalio/common';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AesGcmPayloadCodec, ENCRYPTED_ENCODING, PayloadDecryptionError } from '../../../src/codec/aes-gcm-codec';
import { explainCodecError } from '../../../src/codec/data-converter';
import { CodecKeyError, loadCodecKeySet, parseCodecKeySet } from '../../../src/codec/keys';

const k1 = randomBytes(32).toString('base64');
const k2 = randomBytes(32).toString('base64');
const keys = (current: string, entries: Record<string, string>) => parseCodecKeySet(`current: ${current}\nkeys:\n${Object.entries(entries).map(([id, k]) => `  ${id}: ${k}`).join('\n')}\n`, 'test');
const payload = defaultPayloadConverter.toPayload({ node: 'compute01', bmc: '192.0.2.17', mac: '52:54:00:12:34:56' });

describe('AES-256-GCM payload codec with key ids', () => {
  it('encrypts with the current key (its id in the metadata, nothing readable in the data) and decodes back', async () => {
    const codec = new AesGcmPayloadCodec(keys('k1', { k1 }));
    const [encoded] = await codec.encode([payload]);
    expect(Buffer.from(encoded.metadata!.encoding).toString()).toBe(ENCRYPTED_ENCODING);
    expect(Buffer.from(encoded.metadata!['encryption-key-id']).toString()).toBe('k1');
    const bytes = Buffer.from(encoded.data!);
    for (const plain of ['compute01', '192.0.2.17', '52:54:00', 'json/plain']) expect(bytes.includes(plain)).toBe(false);
    const [decoded] = await codec.decode([encoded]);
    expect(defaultPayloadConverter.fromPayload(decoded)).toEqual({ node: 'compute01', bmc: '192.0.2.17', mac: '52:54:00:12:34:56' });
    // A fresh IV each time: the same payload never encrypts to the same bytes.
    const [again] = await codec.encode([payload]);
    expect(Buffer.from(again.data!).equals(bytes)).toBe(false);
  });

  it('rotates without downtime: after k2 becomes current, payloads written with k1 still decode', async () => {
    const before = new AesGcmPayloadCodec(keys('k1', { k1 }));
    const after = new AesGcmPayloadCodec(keys('k2', { k1, k2 }));
    const [old] = await before.encode([payload]);
    const [fresh] = await after.encode([payload]);
    expect(Buffer.from(fresh.metadata!['encryption-key-id']).toString()).toBe('k2');
    expect((await after.decode([old, fresh])).map((p) => defaultPayloadConverter.fromPayload(p))).toEqual([
      defaultPayloadConverter.fromPayload(payload),
      defaultPayloadConverter.fromPayload(payload),
    ]);
    await expect(before.decode([fresh])).rejects.toThrow(/key "k2", which is not in this process's key set \(known: k1\)/);
  });

  it('refuses altered payloads, a key id swapped for another, and a different key under the same id', async () => {
    const codec = new AesGcmPayloadCodec(keys('k1', { k1, k2 }));
    const [encoded] = await codec.encode([payload]);
    const flipped = Buffer.from(encoded.data!);
    flipped[20] ^= 1;
    await expect(codec.decode([{ ...encoded, data: flipped }])).rejects.toThrow(PayloadDecryptionError);
    await expect(codec.decode([{ ...encoded, metadata: { ...encoded.metadata, 'encryption-key-id': Buffer.from('k2') } }])).rejects.toThrow(/does not decrypt/);
    await expect(new AesGcmPayloadCodec(keys('k1', { k1: k2 })).decode([encoded])).rejects.toThrow(/does not decrypt/);
  });

  it('passes payloads that are not encrypted through decode (histories from before encryption)', async () => {
    const codec = new AesGcmPayloadCodec(keys('k1', { k1 }));
    expect(await codec.decode([payload])).toEqual([payload]);
  });
});

describe('codec key sets', () => {
  it('come from a file: or env: reference; inline keys are refused without echoing them', () => {
    const dir = mkdtempSync(join(tmpdir(), 'codec-keys-'));
    const file = join(dir, 'keys.yaml');
    writeFileSync(file, `current: a\nkeys:\n  a: ${k1}\n  b: ${k2}\n`);
    expect(loadCodecKeySet(`file:${file}`).currentKeyId).toBe('a');
    expect([...loadCodecKeySet('env:KEYS', { KEYS: `{"keys": {"only": "${k2}"}}` }).keys.keys()]).toEqual(['only']);
    let message = '';
    try {
      loadCodecKeySet(`keys: {a: ${k1}}`);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/must be a reference, file:\/path or env:NAME/);
    expect(message).not.toContain(k1);
    expect(() => loadCodecKeySet('env:NOT_SET_ANYWHERE', {})).toThrow(CodecKeyError);
  });

  it('say what is wrong: short keys, a current key that is not in the set', () => {
    expect(() => parseCodecKeySet(`keys:\n  a: ${randomBytes(16).toString('base64')}\n`, 'f')).toThrow(/key "a" must be 32 bytes in base64/);
    expect(() => parseCodecKeySet(`current: c\nkeys:\n  a: ${k1}\n  b: ${k2}\n`, 'f')).toThrow(/"current" \(c\) must name one of its keys \(a, b\)/);
  });
});

describe('a process without the key set', () => {
  it('is told what to do when it meets an encrypted payload', () => {
    expect(explainCodecError('Unknown encoding: binary/encrypted')).toMatch(/the payloads are encrypted; give this process the key set with DRYDOCK_CODEC_KEYS or --codec-keys/);
    expect(explainCodecError('something else')).toBe('something else');
  });
});
