import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A small HTTP(S) proxy written for the OOB tests, in front of a real sushy-emulator. It adds
 * what sushy-tools lacks and the driver must handle, each switched on by an option:
 * - `session`: a Redfish SessionService (sushy offers only basic auth): the service root
 *   advertises SessionService and Links.Sessions, POST Sessions checks UserName/Password and
 *   returns X-Auth-Token + Location, every other request must carry a live token and is
 *   forwarded to sushy with basic auth, DELETE of the session ends it;
 * - `busy`: answers matching requests with 503 or 409 (+ Retry-After) a number of times
 *   before letting them through;
 * - `tls`: serves HTTPS with a certificate made for the test;
 * - `hang`: never answers, to see the driver's request aborted;
 * - `rewrite`: changes JSON answers (e.g. a BootOrder that sushy's fake driver lacks).
 * Everything it forwards or answers is logged for the assertions.
 */
export interface ProxyLogEntry {
  at: number;
  method: string;
  path: string;
  status: number;
  /** ResetType of a ComputerSystem.Reset POST. */
  resetType?: string;
  /** What the client authenticated with. */
  auth: 'basic' | 'token' | 'none';
  body?: unknown;
}

export interface RedfishProxyOptions {
  upstream: string;
  /** Basic credentials added to forwarded requests (session mode). */
  upstreamAuth?: { username: string; password: string };
  session?: { username: string; password: string };
  busy?: { status: 503 | 409 | 429; times: number; retryAfter?: string; match: (method: string, path: string, body: unknown) => boolean };
  tls?: { key: string; cert: string };
  hang?: boolean;
  rewrite?: (method: string, path: string, json: Record<string, unknown>) => Record<string, unknown>;
  /** Hold every request this long before handling it (to make overlaps certain). */
  delayMs?: number;
  /** Awaited before a request is handled (answered or forwarded): to look at the world at the
   * moment a command reaches the BMC. */
  before?: (method: string, path: string, body: unknown) => Promise<void>;
  /** Answer a request here instead of forwarding it. */
  answer?: (method: string, path: string, body: unknown) => { status: number; json?: unknown } | undefined;
}

export interface RedfishProxy {
  url: string;
  port: number;
  log: ProxyLogEntry[];
  sessions: { created: number; deleted: number; active: number };
  busyAnswers: number;
  /** Requests whose client went away before an answer (hang mode). */
  abandoned: number;
  /** Requests received, answered or not. */
  received: number;
  /** The most requests this proxy was handling at once. */
  maxInFlight: number;
  stop(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function parseJson(buffer: Buffer): unknown {
  if (buffer.length === 0) return undefined;
  try {
    return JSON.parse(buffer.toString('utf8'));
  } catch {
    return undefined;
  }
}

export async function startRedfishProxy(options: RedfishProxyOptions): Promise<RedfishProxy> {
  const tokens = new Map<string, string>(); // token -> session path
  const state: Omit<RedfishProxy, 'url' | 'port' | 'stop'> = { log: [], sessions: { created: 0, deleted: 0, active: 0 }, busyAnswers: 0, abandoned: 0, received: 0, maxInFlight: 0 };
  let inFlight = 0;
  let busyLeft = options.busy?.times ?? 0;

  const handler = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    state.received += 1;
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    if (options.hang) {
      res.on('close', () => {
        if (!res.writableEnded) state.abandoned += 1;
      });
      return;
    }
    const raw = await readBody(req);
    const body = parseJson(raw);
    const token = req.headers['x-auth-token'];
    const auth: ProxyLogEntry['auth'] = typeof token === 'string' ? 'token' : req.headers.authorization?.startsWith('Basic ') ? 'basic' : 'none';
    const resetType = path.endsWith('/Actions/ComputerSystem.Reset') && body && typeof body === 'object' ? String((body as { ResetType?: unknown }).ResetType) : undefined;
    const send = (status: number, json?: unknown, headers: Record<string, string> = {}): void => {
      state.log.push({ at: Date.now(), method, path, status, resetType, auth, body });
      res.writeHead(status, { ...(json === undefined ? {} : { 'content-type': 'application/json' }), ...headers });
      res.end(json === undefined ? undefined : JSON.stringify(json));
    };
    const redfishError = (message: string): unknown => ({ error: { code: 'Base.1.0.GeneralError', message, '@Message.ExtendedInfo': [{ MessageId: 'Base.1.0.GeneralError', Message: message }] } });

    if (busyLeft > 0 && options.busy?.match(method, path, body)) {
      busyLeft -= 1;
      state.busyAnswers += 1;
      send(options.busy.status, redfishError(options.busy.status === 409 ? 'The resource is busy with another request' : 'Service temporarily unavailable'), options.busy.retryAfter ? { 'retry-after': options.busy.retryAfter } : {});
      return;
    }
    await options.before?.(method, path, body);
    const answered = options.answer?.(method, path, body);
    if (answered) {
      send(answered.status, answered.json);
      return;
    }

    const sessionsPath = '/redfish/v1/SessionService/Sessions';
    const upstreamHeaders: Record<string, string> = { accept: 'application/json' };
    if (req.headers['content-type']) upstreamHeaders['content-type'] = req.headers['content-type'];
    if (req.headers['if-match']) upstreamHeaders['if-match'] = String(req.headers['if-match']);
    if (options.session) {
      if (method === 'POST' && path === sessionsPath) {
        const creds = body as { UserName?: unknown; Password?: unknown } | undefined;
        if (creds?.UserName !== options.session.username || creds?.Password !== options.session.password) {
          send(401, redfishError('Invalid username or password'));
          return;
        }
        const id = randomUUID();
        const newToken = randomUUID();
        tokens.set(newToken, `${sessionsPath}/${id}`);
        state.sessions.created += 1;
        state.sessions.active += 1;
        send(201, { '@odata.id': `${sessionsPath}/${id}`, Id: id, UserName: creds.UserName }, { 'x-auth-token': newToken, location: `${sessionsPath}/${id}` });
        return;
      }
      const isRoot = method === 'GET' && (path === '/redfish/v1/' || path === '/redfish/v1');
      if (!isRoot) {
        if (typeof token !== 'string' || !tokens.has(token)) {
          send(401, redfishError('No valid session'));
          return;
        }
        if (method === 'DELETE' && path === tokens.get(token)) {
          tokens.delete(token);
          state.sessions.deleted += 1;
          state.sessions.active -= 1;
          send(204);
          return;
        }
      }
    } else if (req.headers.authorization) {
      upstreamHeaders.authorization = req.headers.authorization;
    }
    if (options.upstreamAuth) {
      upstreamHeaders.authorization = `Basic ${Buffer.from(`${options.upstreamAuth.username}:${options.upstreamAuth.password}`).toString('base64')}`;
    }

    const upstream = await fetch(`${options.upstream}${path}`, { method, headers: upstreamHeaders, body: raw.length ? raw : undefined, redirect: 'manual' });
    const headers: Record<string, string> = {};
    for (const name of ['location', 'etag', 'retry-after']) {
      const value = upstream.headers.get(name);
      if (value) headers[name] = value;
    }
    const text = await upstream.text();
    let json = text ? (parseJson(Buffer.from(text)) as Record<string, unknown> | undefined) : undefined;
    if (json && options.session && method === 'GET' && (path === '/redfish/v1/' || path === '/redfish/v1')) {
      json = { ...json, SessionService: { '@odata.id': '/redfish/v1/SessionService' }, Links: { ...(json.Links as object), Sessions: { '@odata.id': sessionsPath } } };
    }
    if (json && options.rewrite) json = options.rewrite(method, path, json);
    if (json !== undefined) {
      send(upstream.status, json, headers);
    } else {
      state.log.push({ at: Date.now(), method, path, status: upstream.status, resetType, auth, body });
      res.writeHead(upstream.status, { ...headers, ...(text ? { 'content-type': upstream.headers.get('content-type') ?? 'text/plain' } : {}) });
      res.end(text || undefined);
    }
  };

  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    inFlight += 1;
    state.maxInFlight = Math.max(state.maxInFlight, inFlight);
    res.on('close', () => (inFlight -= 1));
    const delayed = options.delayMs ? new Promise((resolve) => setTimeout(resolve, options.delayMs)).then(() => handler(req, res)) : handler(req, res);
    delayed.catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`proxy error: ${err instanceof Error ? err.message : String(err)}`);
    });
  };
  const server: Server = options.tls ? createHttpsServer({ key: options.tls.key, cert: options.tls.cert }, listener) : createHttpServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return Object.assign(state, {
    url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    port,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
}

/** A self-signed certificate for 127.0.0.1, made with the openssl CLI for one test. */
export function selfSignedCertificate(): { key: string; cert: string; certPath: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'drydock-tls-'));
  const keyPath = join(dir, 'key.pem');
  const certPath = join(dir, 'cert.pem');
  const result = spawnSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyPath, '-out', certPath, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'],
    { encoding: 'utf8' },
  );
  if (result.status !== 0) throw new Error(`openssl could not make a test certificate: ${result.stderr}`);
  return { key: readFileSync(keyPath, 'utf8'), cert: readFileSync(certPath, 'utf8'), certPath, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
