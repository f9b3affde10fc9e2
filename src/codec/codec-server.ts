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

function tokenMatches(header: string | undefined, token: string): boolean {
  const presented = Buffer.from(/^Bearer (.+)$/i.exec(header ?? '')?.[1] ?? '');
  const expected = Buffer.from(token);
  return presented.length === expected.length && timingSafeEqual(presented, expected);
}

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

export function codecRequestHandler(options: CodecServerOptions): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const allowed = new Set(options.allowedOrigins);
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
    if (path !== '/encode' && path !== '/decode') return send(404, { error: 'POST /encode or /decode' });
    if (req.method !== 'POST') return send(405, { error: 'POST only' });
    if (!tokenMatches(req.headers.authorization, options.token)) {
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
    } catch (err) {
      // The codec's errors name key ids only, never key material or payload contents.
      send(422, { error: err instanceof Error ? err.message : String(err) });
    }
  };
}

export async function startCodecServer(options: CodecServerOptions): Promise<RunningCodecServer> {
  const handler = codecRequestHandler(options);
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
    server,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
