import type { Payload, PayloadCodec } from '@temporalio/common';
import { timingSafeEqual } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';

/**
 * Temporal's codec server protocol, for the web UI and `temporal --codec-endpoint`:
 *   POST /encode, POST /decode   body and answer {"payloads": [{"metadata": {k: base64}, "data": base64}]}
 * (the JSON form of temporal.api.common.v1.Payloads), the namespace in the X-Namespace header.
 * Every request needs `Authorization: Bearer <token>`; the browser's preflight (OPTIONS) is
 * answered for the allowed origins only, without a token, as CORS requires.
 *
 * The web UI cannot send a bearer token of ours (it passes only its own OIDC token), so a browser
 * can instead present the token once at /authorize, which sets it as an HttpOnly, SameSite=Strict
 * cookie; the UI, configured with `codec.includeCredentials`, then sends it with each call. The
 * cookie is sent to the codec server only from the same site (host), as the UI on loopback is.
 */
export interface CodecServerOptions {
  codec: PayloadCodec;
  /** The bearer token callers must present (resolved from a reference by the caller). */
  token: string;
  /** Origins allowed to call from a browser, e.g. the web UI's `http://127.0.0.1:8233`. */
  allowedOrigins: string[];
  host?: string;
  port?: number;
  /** Largest request body accepted. */
  maxBodyBytes?: number;
}

export interface RunningCodecServer {
  url: string;
  /** Requests answered with 200, per endpoint. */
  served: { encode: number; decode: number };
  server: Server;
  close(): Promise<void>;
}

interface JsonPayload {
  metadata?: Record<string, string>;
  data?: string;
}

const DEFAULT_MAX_BODY = 8 * 1024 * 1024;

function fromJson(p: JsonPayload): Payload {
  const metadata: Record<string, Uint8Array> = {};
  for (const [k, v] of Object.entries(p.metadata ?? {})) metadata[k] = Buffer.from(v, 'base64');
  return { metadata, data: Buffer.from(p.data ?? '', 'base64') };
}

function toJson(p: Payload): JsonPayload {
  const metadata: Record<string, string> = {};
  for (const [k, v] of Object.entries(p.metadata ?? {})) if (v) metadata[k] = Buffer.from(v).toString('base64');
  return { metadata, data: Buffer.from(p.data ?? new Uint8Array()).toString('base64') };
}

export const TOKEN_COOKIE = 'drydock_codec_token';

function same(presented: string, token: string): boolean {
  const a = Buffer.from(presented);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function authorized(req: IncomingMessage, token: string): boolean {
  const bearer = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
  if (bearer !== undefined) return same(bearer, token);
  const cookie = (req.headers.cookie ?? '').split(/;\s*/).find((c) => c.startsWith(`${TOKEN_COOKIE}=`));
  return cookie !== undefined && same(decodeURIComponent(cookie.slice(TOKEN_COOKIE.length + 1)), token);
}

const AUTHORIZE_PAGE = `<!doctype html><title>drydock codec server</title>
<form method="post" action="/authorize"><label>Codec server token <input name="token" type="password" autocomplete="off"></label> <button>Authorize this browser</button></form>`;

async function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new RangeError(`request body over ${limit} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export function codecRequestHandler(options: CodecServerOptions, served = { encode: 0, decode: 0 }): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  // Read at each request: an origin added later (a UI started after us) is honoured.
  const allowed = { has: (origin: string) => options.allowedOrigins.includes(origin) };
  const limit = options.maxBodyBytes ?? DEFAULT_MAX_BODY;
  return async (req, res) => {
    const origin = req.headers.origin;
    if (origin && allowed.has(origin)) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Access-Control-Allow-Credentials', 'true');
      res.setHeader('Vary', 'Origin');
    }
    const send = (status: number, body: unknown): void => {
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.method === 'OPTIONS') {
      if (!origin || !allowed.has(origin)) return send(403, { error: `origin ${origin ?? '(none)'} is not allowed` });
      res.writeHead(204, { 'Access-Control-Allow-Methods': 'POST, OPTIONS', 'Access-Control-Allow-Headers': 'Authorization, Content-Type, X-Namespace', 'Access-Control-Max-Age': '600' });
      res.end();
      return;
    }
    const path = (req.url ?? '').split('?')[0];
    if (path === '/authorize') {
      if (req.method === 'GET') {
        res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
        res.end(AUTHORIZE_PAGE);
        return;
      }
      const presented = new URLSearchParams(await readBody(req, 4096)).get('token') ?? '';
      if (req.method !== 'POST' || !same(presented, options.token)) return send(401, { error: 'a valid token is required' });
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Set-Cookie': `${TOKEN_COOKIE}=${encodeURIComponent(presented)}; HttpOnly; SameSite=Strict; Path=/` });
      res.end('<!doctype html><title>authorized</title><p>This browser may now call the codec server.</p>');
      return;
    }
    if (path !== '/encode' && path !== '/decode') return send(404, { error: 'POST /encode or /decode' });
    if (req.method !== 'POST') return send(405, { error: 'POST only' });
    if (!authorized(req, options.token)) {
      res.setHeader('WWW-Authenticate', 'Bearer');
      return send(401, { error: 'a valid bearer token is required' });
    }
    let payloads: Payload[];
    try {
      const body = JSON.parse(await readBody(req, limit)) as { payloads?: JsonPayload[] };
      if (!Array.isArray(body.payloads)) throw new TypeError('no "payloads" array');
      payloads = body.payloads.map(fromJson);
    } catch (err) {
      return send(400, { error: `bad request: ${err instanceof Error ? err.message : String(err)}` });
    }
    try {
      const result = path === '/encode' ? await options.codec.encode(payloads) : await options.codec.decode(payloads);
      send(200, { payloads: result.map(toJson) });
      served[path === '/encode' ? 'encode' : 'decode']++;
    } catch (err) {
      // The codec's errors name key ids only, never key material or payload contents.
      send(422, { error: err instanceof Error ? err.message : String(err) });
    }
  };
}

export async function startCodecServer(options: CodecServerOptions): Promise<RunningCodecServer> {
  const served = { encode: 0, decode: 0 };
  const handler = codecRequestHandler(options, served);
  const server = createServer((req, res) => {
    handler(req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ error: err instanceof Error ? err.message : String(err) }));
    });
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}`,
    served,
    server,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
