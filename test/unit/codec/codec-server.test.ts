import { defaultPayloadConverter } from '@temporalio/common';
import { randomBytes } from 'node:crypto';
import { AesGcmPayloadCodec } from '../../../src/codec/aes-gcm-codec';
import { RunningCodecServer, startCodecServer } from '../../../src/codec/codec-server';
import { parseCodecKeySet } from '../../../src/codec/keys';

const TOKEN = 'codec-test-token-8f3a';
const UI = 'http://127.0.0.1:8233';
const codec = new AesGcmPayloadCodec(parseCodecKeySet(`keys:\n  k1: ${randomBytes(32).toString('base64')}\n`, 'test'));
let server: RunningCodecServer;

beforeAll(async () => {
  server = await startCodecServer({ codec, token: TOKEN, allowedOrigins: [UI] });
});
afterAll(() => server.close());

const toJson = (p: { metadata?: Record<string, Uint8Array | null> | null; data?: Uint8Array | null }) => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v!).toString('base64')])),
  data: Buffer.from(p.data!).toString('base64'),
});

describe('codec server (Temporal codec server protocol)', () => {
  it('decodes what the codec encoded, and encodes, for a caller with the bearer token', async () => {
    const [encrypted] = await codec.encode([defaultPayloadConverter.toPayload({ node: 'compute01' })]);
    const res = await fetch(`${server.url}/decode`, { method: 'POST', headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json', 'X-Namespace': 'default' }, body: JSON.stringify({ payloads: [toJson(encrypted)] }) });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { payloads: Array<{ metadata: Record<string, string>; data: string }> };
    expect(Buffer.from(body.payloads[0].metadata.encoding, 'base64').toString()).toBe('json/plain');
    expect(JSON.parse(Buffer.from(body.payloads[0].data, 'base64').toString())).toEqual({ node: 'compute01' });

    const enc = await fetch(`${server.url}/encode`, { method: 'POST', headers: { Authorization: `Bearer ${TOKEN}` }, body: JSON.stringify({ payloads: body.payloads }) });
    const encoded = (await enc.json()) as { payloads: Array<{ metadata: Record<string, string> }> };
    expect(Buffer.from(encoded.payloads[0].metadata.encoding, 'base64').toString()).toBe('binary/encrypted');
  });

  it('refuses callers without the token, or with another one', async () => {
    for (const headers of [{}, { Authorization: 'Bearer wrong' }, { Authorization: TOKEN }] as Array<Record<string, string>>) {
      const res = await fetch(`${server.url}/decode`, { method: 'POST', headers, body: '{"payloads":[]}' });
      expect(res.status).toBe(401);
    }
  });

  it('lets a browser present the token once at /authorize and then calls with its HttpOnly cookie (the web UI sends no bearer token)', async () => {
    expect((await fetch(`${server.url}/authorize`, { method: 'POST', body: new URLSearchParams({ token: 'wrong' }) })).status).toBe(401);
    const res = await fetch(`${server.url}/authorize`, { method: 'POST', body: new URLSearchParams({ token: TOKEN }) });
    expect(res.status).toBe(200);
    const cookie = res.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^drydock_codec_token=.+; HttpOnly; SameSite=Strict; Path=\//);
    const call = (c: string) => fetch(`${server.url}/decode`, { method: 'POST', headers: { Cookie: c }, body: '{"payloads":[]}' });
    expect((await call(cookie.split(';')[0])).status).toBe(200);
    expect((await call('drydock_codec_token=wrong')).status).toBe(401);
  });

  it('answers the browser preflight for the UI origin only', async () => {
    const ok = await fetch(`${server.url}/decode`, { method: 'OPTIONS', headers: { Origin: UI, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization,content-type,x-namespace' } });
    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-origin')).toBe(UI);
    expect(ok.headers.get('access-control-allow-headers')).toMatch(/Authorization/);
    const other = await fetch(`${server.url}/decode`, { method: 'OPTIONS', headers: { Origin: 'http://evil.example', 'Access-Control-Request-Method': 'POST' } });
    expect(other.status).toBe(403);
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('says what is wrong with a bad request', async () => {
    const res = await fetch(`${server.url}/decode`, { method: 'POST', headers: { Authorization: `Bearer ${TOKEN}` }, body: 'not json' });
    expect(res.status).toBe(400);
    expect(((await fetch(`${server.url}/other`, { method: 'POST' })).status)).toBe(404);
  });
});
