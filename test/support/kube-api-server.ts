/**
 * A request-checking stand-in for the Kubernetes API server, for the Kubernetes driver's tests:
 * no API server can run on this machine. It serves HTTPS (or HTTP) on 127.0.0.1, checks every
 * request the way the real server would reject a bad one (bearer token, method, path, content
 * type, merge-patch body, resourceVersion precondition), keeps Node objects in memory, applies
 * JSON merge patches (RFC 7386), and can be told to answer the next requests with an error.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface RecordedRequest {
  method: string;
  path: string;
  contentType?: string;
  authorized: boolean;
  body?: unknown;
}

export interface KubeNodeObject {
  apiVersion: 'v1';
  kind: 'Node';
  metadata: { name: string; resourceVersion: string; uid: string; labels: Record<string, string>; annotations: Record<string, string> };
  spec: Record<string, unknown>;
}

export interface FakeKubeApi {
  url: string;
  token: string;
  nodes: Map<string, KubeNodeObject>;
  requests: RecordedRequest[];
  /** Answers the next matching request with this status (and Retry-After, when given). */
  failNext(status: number, options?: { method?: string; retryAfter?: number; message?: string }): void;
  /** Called after each request was answered (tests use it to change state between requests). */
  onServed?: (request: RecordedRequest) => void;
  /** What SelfSubjectAccessReview answers for `patch nodes`. */
  allowPatch: boolean;
  addNode(name: string, labels?: Record<string, string>, annotations?: Record<string, string>): KubeNodeObject;
  close(): Promise<void>;
}

export interface TestCa {
  dir: string;
  caPath: string;
  certPath: string;
  keyPath: string;
  remove(): void;
}

/** A self-signed CA and a server certificate for 127.0.0.1 signed by it, made with openssl. */
export function makeTestCa(): TestCa {
  const dir = mkdtempSync(join(tmpdir(), 'drydock-kube-ca-'));
  const p = (name: string): string => join(dir, name);
  const openssl = (...args: string[]): void => void execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', p('ca.key'), '-out', p('ca.crt'), '-days', '2', '-subj', '/CN=drydock test cluster CA');
  openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', p('server.key'), '-out', p('server.csr'), '-subj', '/CN=kube-apiserver');
  writeFileSync(p('ext.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  openssl('x509', '-req', '-in', p('server.csr'), '-CA', p('ca.crt'), '-CAkey', p('ca.key'), '-CAcreateserial', '-out', p('server.crt'), '-days', '2', '-extfile', p('ext.cnf'));
  return { dir, caPath: p('ca.crt'), certPath: p('server.crt'), keyPath: p('server.key'), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const result: Record<string, unknown> = target !== null && typeof target === 'object' && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [key, value] of Object.entries(patch as Record<string, unknown>)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

function status(res: ServerResponse, code: number, reason: string, message: string, headers: Record<string, string> = {}): void {
  res.writeHead(code, { 'Content-Type': 'application/json', ...headers });
  res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code }));
}

function json(res: ServerResponse, body: unknown): void {
  res.writeHead(200, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}

export async function startFakeKubeApi(options: { tls?: TestCa; token: string }): Promise<FakeKubeApi> {
  const nodes = new Map<string, KubeNodeObject>();
  const requests: RecordedRequest[] = [];
  const failures: Array<{ status: number; method?: string; retryAfter?: number; message?: string }> = [];
  let version = 1000;
  let uid = 0;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://x');
    const method = req.method ?? 'GET';
    const contentType = req.headers['content-type'];
    const authorized = req.headers.authorization === `Bearer ${options.token}`;
    let body: unknown;
    if (raw) {
      try {
        body = JSON.parse(raw);
      } catch {
        requests.push({ method, path: url.pathname + url.search, contentType, authorized });
        return status(res, 400, 'BadRequest', 'request body is not JSON');
      }
    }
    requests.push({ method, path: url.pathname + url.search, contentType, authorized, body });

    const failure = failures.findIndex((f) => f.method === undefined || f.method === method);
    if (failure >= 0) {
      const f = failures.splice(failure, 1)[0];
      return status(res, f.status, 'Injected', f.message ?? `injected HTTP ${f.status}`, f.retryAfter === undefined ? {} : { 'Retry-After': String(f.retryAfter) });
    }
    if (!authorized) return status(res, 401, 'Unauthorized', 'Unauthorized');
    if (req.headers.accept !== undefined && !String(req.headers.accept).includes('application/json') && !String(req.headers.accept).includes('*/*')) {
      return status(res, 406, 'NotAcceptable', 'only application/json is served');
    }

    if (method === 'GET' && url.pathname === '/version') return json(res, { major: '1', minor: '30', gitVersion: 'v1.30.2', platform: 'linux/amd64' });
    if (method === 'GET' && url.pathname === '/api/v1/nodes') {
      const limit = Number(url.searchParams.get('limit') ?? '0');
      const items = [...nodes.values()].slice(0, limit > 0 ? limit : undefined);
      return json(res, { kind: 'NodeList', apiVersion: 'v1', metadata: { resourceVersion: String(version) }, items });
    }
    if (method === 'POST' && url.pathname === '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews') {
      const spec = (body as { kind?: string; spec?: { resourceAttributes?: { verb?: string; resource?: string } } } | undefined);
      if (contentType !== 'application/json' || spec?.kind !== 'SelfSubjectAccessReview' || !spec.spec?.resourceAttributes) {
        return status(res, 400, 'BadRequest', 'expected a SelfSubjectAccessReview as application/json');
      }
      const { verb, resource } = spec.spec.resourceAttributes;
      const allowed = resource === 'nodes' && verb === 'patch' ? fake.allowPatch : true;
      return json(res, { ...spec, status: { allowed, ...(allowed ? {} : { reason: 'RBAC: no rule allows patch on nodes' }) } });
    }
    const match = /^\/api\/v1\/nodes\/([^/]+)$/.exec(url.pathname);
    if (match) {
      const name = decodeURIComponent(match[1]);
      const node = nodes.get(name);
      if (!node) return status(res, 404, 'NotFound', `nodes "${name}" not found`);
      if (method === 'GET') return json(res, node);
      if (method === 'PATCH') {
        if (contentType !== 'application/merge-patch+json') return status(res, 415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml (got ${contentType ?? 'none'})`);
        const meta = (body as { metadata?: Record<string, unknown> } | undefined)?.metadata;
        if (!body || typeof body !== 'object' || !meta) return status(res, 422, 'Invalid', 'a Node patch must change metadata');
        const unexpected = Object.keys(body).filter((k) => k !== 'metadata');
        if (unexpected.length) return status(res, 422, 'Invalid', `unexpected fields in the patch: ${unexpected.join(', ')}`);
        if (meta.resourceVersion !== undefined && meta.resourceVersion !== node.metadata.resourceVersion) {
          return status(res, 409, 'Conflict', `Operation cannot be fulfilled on nodes "${name}": the object has been modified; please apply your changes to the latest version and try again`);
        }
        const patched = mergePatch(node, { ...body, metadata: { ...meta, resourceVersion: null } }) as KubeNodeObject;
        patched.metadata.labels ??= {};
        patched.metadata.annotations ??= {};
        patched.metadata.resourceVersion = String(++version);
        nodes.set(name, patched);
        return json(res, patched);
      }
      return status(res, 405, 'MethodNotAllowed', `${method} is not allowed on a Node`);
    }
    return status(res, 404, 'NotFound', 'the server could not find the requested resource');
  };

  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    handle(req, res)
      .catch((err: unknown) => status(res, 500, 'InternalError', String(err)))
      .finally(() => {
        const last = requests[requests.length - 1];
        if (last) fake.onServed?.(last);
      });
  };
  const server: Server = options.tls
    ? createHttpsServer({ cert: readFileSync(options.tls.certPath), key: readFileSync(options.tls.keyPath) }, listener)
    : createHttpServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const fake: FakeKubeApi = {
    url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    token: options.token,
    nodes,
    requests,
    allowPatch: true,
    failNext: (code, o = {}) => void failures.push({ status: code, ...o }),
    addNode(name, labels = {}, annotations = {}) {
      const node: KubeNodeObject = { apiVersion: 'v1', kind: 'Node', metadata: { name, resourceVersion: String(++version), uid: `uid-${++uid}`, labels, annotations }, spec: {} };
      nodes.set(name, node);
      return node;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return fake;
}
