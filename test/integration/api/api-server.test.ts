import type { Client } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { execFile } from 'node:child_process';
import { generateKeyPairSync, KeyObject } from 'node:crypto';
import { appendFileSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { get as httpsGet } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { exportJWK, SignJWT } from 'jose';
import type { FastifyInstance } from 'fastify';
import { createActivities } from '../../../activities';
import { createApiServer, DesignRefResolver, hashToken } from '../../../src/api';
import { DrydockClient } from '../../../src/client';
import { DrydockApiClient, DrydockApiError, DrydockNodeFilter } from '../../../src/client/api';
import { SimLedger } from '../../../src/drivers/sim';
import { simSiteDesign } from '../../../lab/sim-site';
import { freePort } from '../../../src/tools/ports';
import { pollUntil } from '../../../src/tools/poll';
import { cacheDir } from '../../../src/tools/temporal-cli';
import { ManagedProcess, startProcessGroup } from '../../../src/tools/process-group';
import { REPO_ROOT } from '../../support/paths';
import { readRunState } from '../../support/run-state';
import { connectClient, uniqueTaskQueue } from '../../support/temporal';

// The REST API on the real stack: the Temporal dev server of this test run, a real worker with the
// sim drivers, the API server on a free port, a design server and a JWKS served over HTTP by
// this test, and Drydock's Python client's requests (test/integration/api/drydock_client.py).

const ADMIN = 'admin-token-4f1c2e9a';
const READER = 'reader-token-77b0d3aa';
const SITE = `api${Date.now() % 100000}`;

interface Hits {
  internal: number;
}

function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ server: Server; port: number }> {
  const server = createServer(handler);
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as AddressInfo).port })));
}

describe('drydock api (Drydock REST API v1.0) on the real stack', () => {
  const ledger = new SimLedger();
  const dir = mkdtempSync(join(tmpdir(), 'drydock-api-'));
  const root = join(dir, 'designs');
  const tokenFile = join(dir, 'tokens.yaml');
  const policyFile = join(dir, 'policy.yaml');
  const design = simSiteDesign({ site: SITE, nodes: 4, racks: 2, latencyMs: 5 });
  const failingDesign = simSiteDesign({ site: `${SITE}f`, nodes: 2, racks: 1, latencyMs: 5, failures: [{ node: 'node0002', action: 'DeployNode' }] });
  const logs: Array<Record<string, unknown>> = [];
  const hits: Hits = { internal: 0 };
  let taskQueue: string;
  let worker: Worker;
  let workerRun: Promise<void>;
  let workerConnection: NativeConnection;
  let forActivities: { client: Client; close: () => Promise<void> };
  let drydock: DrydockClient;
  let app: FastifyInstance;
  let base: string;
  let designs: { server: Server; port: number };
  let internal: { server: Server; port: number };
  let jwks: { server: Server; port: number };
  let signingKey: KeyObject;
  let otherKey: KeyObject;
  let api: DrydockApiClient;

  const siteFile = (): string => join(root, 'site', 'site.yaml');
  const siteRef = (): string => `file://${siteFile()}`;

  beforeAll(async () => {
    mkdirSync(join(root, 'site'), { recursive: true });
    mkdirSync(join(root, 'failing'), { recursive: true });
    writeFileSync(siteFile(), design);
    writeFileSync(join(root, 'failing', 'site.yaml'), failingDesign);
    copyFileSync(join(REPO_ROOT, 'test', 'fixtures', 'drydock-samples', 'invalid_validation.yaml'), join(root, 'invalid.yaml'));
    writeFileSync(
      tokenFile,
      `tokens:\n  - sha256: ${hashToken(ADMIN)}\n    user: shipyard\n    project: service\n    roles: [admin]\n  - sha256: ${hashToken(READER)}\n    user: viewer\n    roles: [reader]\n`,
    );
    writeFileSync(policyFile, '"physical_provisioner:read_task": "role:admin or role:reader"\n');

    const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
    signingKey = keys.privateKey;
    otherKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const jwk = { ...(await exportJWK(keys.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    jwks = await listen((_req, res) => res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })));

    internal = await listen((_req, res) => {
      hits.internal += 1;
      res.writeHead(200).end('secret: metadata\n');
    });
    designs = await listen((req, res) => {
      const url = req.url ?? '/';
      if (url === '/site.yaml' || url.startsWith('/api/v1.0/revisions/7/rendered-documents')) return void res.writeHead(200, { 'Content-Type': 'application/x-yaml' }).end(design);
      if (url === '/moved') return void res.writeHead(302, { Location: '/site.yaml' }).end();
      if (url === '/escape') return void res.writeHead(302, { Location: `http://localhost:${internal.port}/latest/meta-data` }).end();
      if (url === '/big') return void res.writeHead(200).end(`x: "${'y'.repeat(300_000)}"\n`);
      if (url === '/slow') return; // never answers
      res.writeHead(404).end('no such design');
    });

    taskQueue = uniqueTaskQueue('api');
    const state = readRunState();
    forActivities = await connectClient();
    workerConnection = await NativeConnection.connect({ address: state.temporalAddress });
    worker = await Worker.create({
      connection: workerConnection,
      namespace: state.namespace,
      taskQueue,
      workflowBundle: { codePath: state.workflowBundlePath },
      activities: createActivities({ simLedger: ledger, client: forActivities.client }),
    });
    workerRun = worker.run();
    drydock = await DrydockClient.connect({ address: state.temporalAddress, namespace: state.namespace, taskQueue });
    app = await createApiServer(
      {
        listen: { host: '127.0.0.1', port: 0 },
        tokenFile,
        policyFile,
        jwt: { jwksUrl: `http://127.0.0.1:${jwks.port}/jwks.json`, issuer: 'https://idp.test', audience: 'drydock' },
        designRoots: [root],
        // 127.0.0.1 is the design server; `localhost` (the internal service) is not allowed.
        allowHosts: [`127.0.0.1:${designs.port}`],
        maxDesignBytes: 200_000,
        siteDesign: [siteFile()],
        rateLimitPerMinute: 100_000,
        log: (entry) => void logs.push(entry),
      },
      drydock,
    );
    await app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    api = new DrydockApiClient({ baseUrl: base, token: ADMIN });
  });

  afterAll(async () => {
    await app?.close();
    worker?.shutdown();
    await workerRun;
    await workerConnection?.close();
    await drydock?.close();
    await forActivities?.close();
    for (const s of [designs, internal, jwks]) s?.server.closeAllConnections();
    await Promise.all([designs, internal, jwks].map((s) => new Promise((r) => (s ? s.server.close(r) : r(undefined)))));
  });

  const call = async (method: string, path: string, options: { token?: string; bearer?: string; body?: unknown; raw?: string; contentType?: string; headers?: Record<string, string> } = {}) => {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers['X-Auth-Token'] = options.token;
    if (options.bearer) headers.Authorization = `Bearer ${options.bearer}`;
    if (options.body !== undefined || options.raw !== undefined) headers['Content-Type'] = options.contentType ?? 'application/json';
    const response = await fetch(`${base}${path}`, { method, headers, body: options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body)) });
    const text = await response.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: response.status, headers: response.headers, text, json: json as Record<string, unknown> & Array<Record<string, unknown>> };
  };

  const jwt = (claims: Record<string, unknown>, options: { key?: KeyObject; exp?: string | number; iss?: string; aud?: string } = {}) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setIssuer(options.iss ?? 'https://idp.test')
      .setAudience(options.aud ?? 'drydock')
      .setIssuedAt()
      .setExpirationTime(options.exp ?? '5m')
      .sign(options.key ?? signingKey);

  /** A second API server on a port of its own, with other settings; `fetch`es its routes. */
  const withServer = async (config: Partial<Parameters<typeof createApiServer>[0]>, fn: (request: (method: string, path: string, token?: string, body?: unknown) => Promise<{ status: number; headers: Headers; json: Record<string, unknown> }>) => Promise<void>) => {
    const state = readRunState();
    const local = await DrydockClient.connect({ address: state.temporalAddress, namespace: state.namespace, taskQueue });
    const server = await createApiServer({ listen: { host: '127.0.0.1', port: 0 }, tokenFile, designRoots: [], allowHosts: [], log: () => undefined, ...config }, local);
    await server.listen({ host: '127.0.0.1', port: 0 });
    const at = `http://127.0.0.1:${(server.server.address() as AddressInfo).port}`;
    try {
      await fn(async (method, path, token, body) => {
        const headers: Record<string, string> = token ? { 'X-Auth-Token': token } : {};
        if (body !== undefined) headers['Content-Type'] = 'application/json';
        const r = await fetch(`${at}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
        const text = await r.text();
        return { status: r.status, headers: r.headers, json: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
      });
    } finally {
      await server.close();
      await local.close();
    }
  };

  const tasksStarted = async (): Promise<number> => (await drydock.list({ siteWorkflows: true })).filter((r) => r.workflowId.startsWith('drydock-task-')).length;

  it('answers /versions and /health openly, /health/extended with the services and the policy', async () => {
    expect(await call('GET', '/versions')).toMatchObject({ status: 200, json: { 'v1.0': { path: '/api/v1.0', status: 'stable' } } });
    const health = await call('GET', '/api/v1.0/health');
    expect(health.status).toBe(204);
    expect(health.text).toBe('');
    expect((await call('GET', '/api/v1.0/health/extended')).status).toBe(401);
    expect((await call('GET', '/api/v1.0/health/extended', { token: READER })).status).toBe(403);
    const extended = await call('GET', '/api/v1.0/health/extended', { token: ADMIN });
    expect(extended.status).toBe(200);
    expect(extended.json).toMatchObject({ kind: 'Status', status: 'Success', reason: 'HealthCheck', code: 200, details: { errorCount: 0 } });
    const services = (extended.json.details as { messageList: Array<{ service: string; state: string }> }).messageList;
    expect(services.map((m) => [m.service.replace(/ at .*/, ''), m.state])).toEqual([
      ['Temporal', 'up'],
      ['node driver (sim)', 'up'],
      ['network driver (sim)', 'up'],
      ['kubernetes driver (sim)', 'up'],
    ]);
    expect(await api.healthy()).toBe(true);
  });

  it('answers /health 503 and /health/extended with the service that is down', async () => {
    const closed = await freePort();
    process.env.API_TEST_MAAS_KEY = 'consumer:token:secret';
    const maasSite = join(dir, 'maas-site.yaml');
    writeFileSync(maasSite, design.replace(/ {4}node:\n {6}type: sim\n {6}latency_ms: 5\n/, `    node:\n      type: maas\n      api_url: http://127.0.0.1:${closed}/MAAS\n      api_key: env:API_TEST_MAAS_KEY\n`));
    expect(readFileSync(maasSite, 'utf8')).toContain('type: maas');
    await withServer({ siteDesign: [maasSite] }, async (request) => {
      expect((await request('GET', '/api/v1.0/health')).status).toBe(503);
      const extended = await request('GET', '/api/v1.0/health/extended', ADMIN);
      expect(extended.status).toBe(503);
      expect(extended.json).toMatchObject({ status: 'Failure', code: 503, message: 'Drydock failed to respond', details: { errorCount: 1 } });
      const down = (extended.json.details as { messageList: Array<{ service: string; state: string; message: string }> }).messageList.filter((m) => m.state === 'down');
      expect(down.map((m) => m.service)).toEqual([`node driver (maas at http://127.0.0.1:${closed}/MAAS)`]);
      expect(JSON.stringify(extended.json)).not.toContain('consumer:token:secret');
      // The node report asks the node provisioner, which does not answer.
      expect(await request('GET', '/api/v1.0/nodes', ADMIN)).toMatchObject({ status: 503, json: { type: 'error', retry: true } });
    });
  });

  it('refuses requests without a token, with a bad one, with expired, tampered or foreign JWTs (401), and what the policy denies (403)', async () => {
    const unauthenticated = { type: 'error', message: 'Unauthenticated', retry: false };
    expect(await call('GET', '/api/v1.0/tasks')).toMatchObject({ status: 401, json: unauthenticated });
    // Before the body is parsed: a caller without a token learns nothing about its input.
    expect(await call('POST', '/api/v1.0/tasks', { raw: '{"action": ' })).toMatchObject({ status: 401, json: unauthenticated });
    expect(await call('POST', '/api/v1.0/validatedesign', { token: READER, raw: '{"href": ' })).toMatchObject({ status: 403 });
    expect(await call('GET', '/api/v1.0/tasks', { token: 'not-a-token' })).toMatchObject({ status: 401, json: unauthenticated });
    expect(await call('GET', '/api/v1.0/tasks', { bearer: 'not-a-token' })).toMatchObject({ status: 401, json: unauthenticated });
    expect((await call('GET', '/api/v1.0/tasks', { token: ADMIN })).status).toBe(200);
    expect((await call('GET', '/api/v1.0/tasks', { bearer: ADMIN })).status).toBe(200);
    // The policy file lets readers read tasks; everything else stays role:admin.
    expect((await call('GET', '/api/v1.0/tasks', { token: READER })).status).toBe(200);
    expect(await call('POST', '/api/v1.0/tasks', { token: READER, body: { action: 'validate_design', design_ref: siteRef() } })).toMatchObject({
      status: 403,
      json: { type: 'error', message: 'Forbidden', retry: false },
    });
    expect((await call('POST', '/api/v1.0/validatedesign', { token: READER, body: { href: siteRef() } })).status).toBe(403);
    expect((await call('GET', '/api/v1.0/nodes', { token: READER })).status).toBe(403);
    expect((await call('DELETE', '/api/v1.0/tasks?days=3650', { token: READER })).status).toBe(403);

    const adminJwt = await jwt({ sub: 'u-1', preferred_username: 'oidc-admin', roles: ['admin'] });
    expect((await call('GET', '/api/v1.0/tasks', { bearer: adminJwt })).status).toBe(200);
    expect((await call('GET', '/api/v1.0/tasks', { token: adminJwt })).status).toBe(200);
    const readerJwt = await jwt({ sub: 'u-2', roles: ['reader'] });
    expect((await call('GET', '/api/v1.0/tasks', { bearer: readerJwt })).status).toBe(200);
    expect((await call('POST', '/api/v1.0/tasks', { bearer: readerJwt, body: { action: 'deploy_nodes', design_ref: siteRef() } })).status).toBe(403);
    const expired = await jwt({ sub: 'u-1', roles: ['admin'] }, { exp: Math.floor(Date.now() / 1000) - 3600 });
    expect((await call('GET', '/api/v1.0/tasks', { bearer: expired })).status).toBe(401);
    const [h, p, s] = adminJwt.split('.');
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
    const tampered = `${h}.${Buffer.from(JSON.stringify({ ...claims, roles: ['admin', 'superuser'], sub: 'u-9' })).toString('base64url')}.${s}`;
    expect((await call('GET', '/api/v1.0/tasks', { bearer: tampered })).status).toBe(401);
    expect((await call('GET', '/api/v1.0/tasks', { bearer: await jwt({ sub: 'u-1', roles: ['admin'] }, { key: otherKey }) })).status).toBe(401);
    expect((await call('GET', '/api/v1.0/tasks', { bearer: await jwt({ sub: 'u-1', roles: ['admin'] }, { iss: 'https://evil.test' }) })).status).toBe(401);
    expect((await call('GET', '/api/v1.0/tasks', { bearer: await jwt({ sub: 'u-1', roles: ['admin'] }, { aud: 'other' }) })).status).toBe(401);

    const line = logs.find((l) => l.user === 'oidc-admin');
    expect(line).toMatchObject({ method: 'GET', path: '/api/v1.0/tasks', status: 200, via: 'jwt', rule: 'physical_provisioner:read_task', outcome: 'ok' });
    expect(logs.some((l) => l.status === 403 && l.user === 'viewer' && l.outcome === 'forbidden' && String(l.rule).includes('physical_provisioner:create_task'))).toBe(true);
    const everything = JSON.stringify(logs);
    for (const secret of [ADMIN, READER, adminJwt, expired, tampered]) expect(everything).not.toContain(secret);
  });

  it('reloads the token file when it changes', async () => {
    const added = 'added-token-90ab12cd';
    expect((await call('GET', '/api/v1.0/tasks', { token: added })).status).toBe(401);
    appendFileSync(tokenFile, `  - sha256: ${hashToken(added)}\n    user: late\n    roles: [admin]\n`);
    await pollUntil(async () => ((await call('GET', '/api/v1.0/tasks', { token: added })).status === 200 ? true : undefined), { timeoutMs: 10_000, intervalMs: 250, what: 'the new token to be accepted' });
  });

  it('creates a validate_design task from a file:// reference and reports it as Drydock does', async () => {
    const marker = '5b2b0a5e-8a3c-4f5e-9c1d-2a7e4b6c8d90';
    const created = await call('POST', '/api/v1.0/tasks', { token: ADMIN, body: { action: 'validate_design', design_ref: siteRef(), node_filter: null }, headers: { 'X-Context-Marker': marker, 'X-End-User': 'jane' } });
    expect(created.status).toBe(201);
    const task = created.json as Record<string, unknown>;
    expect(task).toMatchObject({ kind: 'Task', action: 'validate_design', design_ref: siteRef(), node_filter: null, status: 'queued', created_by: 'shipyard', subtask_id_list: [] });
    expect(task.task_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(created.headers.get('location')).toBe(`/api/v1.0/tasks/${String(task.task_id)}`);
    expect(created.headers.get('x-context-marker')).toBe(marker);
    expect(created.headers.get('x-drydock-req')).toMatch(/^[0-9a-f-]{36}$/);
    expect(logs.find((l) => l.task_id === task.task_id && l.method === 'POST')).toMatchObject({ user: 'shipyard', end_user: 'jane', external_ctx: marker, rule: 'physical_provisioner:create_task,physical_provisioner:validate_design', status: 201 });
    const done = await api.waitForTask(String(task.task_id), { timeoutMs: 60_000, intervalMs: 250 });
    expect(done).toMatchObject({ status: 'complete', action: 'validate_design', design_ref: siteRef(), created_by: 'shipyard', result: { kind: 'Status', status: 'success' } });
    expect(done.workflow_id).toBe(`drydock-task-${String(task.task_id)}`);
  });

  it('deploys nodes chosen by a node filter from an http design reference, with node subtasks, layers, subtask errors and build data', async () => {
    const filter: DrydockNodeFilter = { filter_set_type: 'union', filter_set: [{ filter_type: 'union', node_names: ['node0001', 'node0003'] }] };
    const created = await api.createTask({ action: 'deploy_node', design_ref: `http://127.0.0.1:${designs.port}/moved`, node_filter: filter });
    expect(created).toMatchObject({ action: 'deploy_nodes', status: 'queued', node_filter: filter });
    const done = await api.waitForTask(created.task_id, { timeoutMs: 120_000, intervalMs: 250 });
    expect(done).toMatchObject({ status: 'complete', result: { status: 'success', failures: [] } });
    expect([...done.result.successes].sort()).toEqual(['node0001', 'node0003']);
    expect(done.subtask_id_list).toHaveLength(2);
    const nodeMessages = done.result.details.messageList.filter((m) => m.context_type === 'node').map((m) => [m.context, m.error]);
    expect(nodeMessages.sort()).toEqual([
      ['node0001', false],
      ['node0003', false],
    ]);

    const tree = await api.getTask(created.task_id, { layers: -1, builddata: true, subtaskerrors: true });
    expect(tree.init_task_id).toBe(created.task_id);
    expect(Object.keys(tree).sort()).toEqual([created.task_id, ...done.subtask_id_list, 'init_task_id', 'subtask_errors'].sort());
    expect(tree.subtask_errors).toEqual({});
    const sub = tree[done.subtask_id_list[0]] as Record<string, unknown>;
    expect(sub).toMatchObject({ kind: 'Task', action: 'deploy_nodes', parent_task_id: created.task_id, status: 'complete', subtask_id_list: [], build_data: [], result: { status: 'success' } });
    expect((tree[created.task_id] as Record<string, unknown>).build_data).toEqual([]);
    const oneLayer = await api.getTask(created.task_id, { layers: 1 });
    expect(Object.keys(oneLayer).sort()).toEqual([created.task_id, 'init_task_id'].sort());
    const direct = await api.getTask(done.subtask_id_list[1]);
    expect(direct).toMatchObject({ parent_task_id: created.task_id, design_ref: `http://127.0.0.1:${designs.port}/moved`, created_by: 'shipyard' });
    expect((direct.node_filter as { filter_set: Array<{ node_names: string[] }> }).filter_set[0].node_names[0]).toMatch(/^node000[13]$/);
    expect((await call('GET', `/api/v1.0/tasks/${created.task_id}/builddata`, { token: ADMIN })).status).toBe(404);
    expect((await call('GET', `/api/v1.0/tasks/${created.task_id}?builddata=maybe`, { token: ADMIN })).status).toBe(400);

    const listed = await api.getTasks();
    expect(listed.map((t) => t.task_id)).toContain(created.task_id);
  });

  it('reports a node that failed as a subtask error, from a deckhand+http reference', async () => {
    const created = await api.createTask({ action: 'deploy_nodes', design_ref: `file://${join(root, 'failing', 'site.yaml')}` });
    const done = await api.waitForTask(created.task_id, { timeoutMs: 120_000, intervalMs: 250 });
    expect(done).toMatchObject({ status: 'complete', result: { status: 'partial_success', failures: ['node0002'], successes: ['node0001'] } });
    const withErrors = await api.getTask(created.task_id, { subtaskerrors: true });
    const errors = Object.values(withErrors.subtask_errors as Record<string, { task_id: string; status: string; details: { errorCount: number } }>);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ status: 'failure' });
    expect(errors[0].details.errorCount).toBeGreaterThan(0);
    expect(done.subtask_id_list).toContain(errors[0].task_id);

    const deckhand = await api.createTask({ action: 'verify_site', design_ref: `deckhand+http://127.0.0.1:${designs.port}/api/v1.0/revisions/7/rendered-documents` });
    expect((await api.waitForTask(deckhand.task_id, { timeoutMs: 60_000, intervalMs: 250 })).status).toBe('complete');
  });

  it('with --segment-queues, the runs tasks start carry segment routing in their input', async () => {
    await withServer({ designRoots: [root], segmentRouting: { segmentQueues: true, segmentWaitTimeout: 30_000 } }, async (request) => {
      const created = await request('POST', '/api/v1.0/tasks', ADMIN, { action: 'validate_design', design_ref: siteRef(), node_filter: null });
      expect(created.status).toBe(201);
      const history = await drydock.client.workflow.getHandle(`drydock-task-${String(created.json.task_id)}`).fetchHistory();
      const input = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0]?.data;
      const args = JSON.parse(Buffer.from(input as Uint8Array).toString('utf8')) as { options?: Record<string, unknown> };
      expect(args.options).toMatchObject({ requestedBy: 'shipyard', segmentQueues: true, segmentWaitTimeout: 30_000 });
    });
  });

  it('shows a site workflow started elsewhere (CLI, schedules) as a task under its run id', async () => {
    const { workflowId, runId } = await drydock.startAction('ValidateDesign', { design: { type: 'path', paths: [siteFile()] } });
    await drydock.waitForResult(workflowId, { intervalMs: 200 });
    const doc = await api.getTask(runId);
    expect(doc).toMatchObject({ task_id: runId, action: 'validate_design', status: 'complete', workflow_id: workflowId, design_ref: null, result: { status: 'success' } });
    await pollUntil(async () => ((await api.getTasks()).some((t) => t.task_id === runId) ? true : undefined), { timeoutMs: 20_000, intervalMs: 250, what: 'the run to be listed' });
  });

  it('reports an aborted task as terminating, then terminated', async () => {
    writeFileSync(join(root, 'slow.yaml'), simSiteDesign({ site: `${SITE}s`, nodes: 2, racks: 1, latencyMs: 1500 }));
    const created = await api.createTask({ action: 'deploy_nodes', design_ref: `file://${join(root, 'slow.yaml')}` });
    await pollUntil(async () => ((await api.getTask(created.task_id)).status === 'running' ? true : undefined), { timeoutMs: 30_000, intervalMs: 200, what: 'the task to run' });
    await drydock.abort(created.workflow_id);
    const done = await api.waitForTask(created.task_id, { timeoutMs: 60_000, intervalMs: 200 });
    expect(done).toMatchObject({ status: 'terminated', terminate: true });
    expect(done.terminated).not.toBeNull();
    expect(done.result.message).toMatch(/aborted/);
  });

  it('answers bad input with 400 and Drydock’s error body, and starts nothing', async () => {
    const before = await tasksStarted();
    const bad = async (body: unknown, expected: RegExp, raw?: string, contentType?: string) => {
      const r = await call('POST', '/api/v1.0/tasks', { token: ADMIN, body, raw, contentType });
      expect([r.status, r.json?.type, r.json?.retry]).toEqual([400, 'error', false]);
      expect(String(r.json.message)).toMatch(expected);
      expect(r.text).not.toMatch(/at .*\.ts:\d+/);
    };
    await bad(undefined, /Invalid JSON/, '{"action": "deploy_nodes",');
    await bad(undefined, /application\/json/, 'action=deploy_nodes', 'application/x-www-form-urlencoded');
    await bad(undefined, /requires a JSON object body/, '');
    await bad({ action: 'reboot_nodes', design_ref: siteRef() }, /^Unsupported action reboot_nodes: use one of validate_design, /);
    await bad({ action: 42, design_ref: siteRef() }, /^body\.action: /);
    await bad({ action: 'deploy_nodes' }, /requires fields design_ref, action/);
    await bad({ action: 'deploy_nodes', design_ref: siteRef(), node_filter: { filter_set_type: 'some', filter_set: [] } }, /node_filter\.filter_set_type/);
    await bad({ action: 'deploy_nodes', design_ref: `file://${tokenFile}` }, /outside the design roots/);
    await bad({ action: 'deploy_nodes', design_ref: `file://${root}/../tokens.yaml` }, /outside the design roots/);
    await bad({ action: 'deploy_nodes', design_ref: `http://localhost:${internal.port}/latest/meta-data` }, /not on this server's allow list/);
    await bad({ action: 'deploy_nodes', design_ref: `http://127.0.0.1:${designs.port}/escape` }, /redirects to http:\/\/localhost:\d+, which is not on this server's allow list/);
    await bad({ action: 'deploy_nodes', design_ref: `http://127.0.0.1:${designs.port}/big` }, /more than the 200000 bytes/);
    await bad({ action: 'deploy_nodes', design_ref: `http://127.0.0.1:${designs.port}/nothing` }, /the design server answered 404/);
    const closed = await freePort();
    const unreachable = await call('POST', '/api/v1.0/validatedesign', { token: ADMIN, body: { href: `http://127.0.0.1:${closed}/site.yaml` } });
    expect(unreachable.status).toBe(400);
    expect(String(unreachable.json.message)).toMatch(/not on this server's allow list/);
    // SSRF: nothing ever reached the internal service.
    expect(hits.internal).toBe(0);
    expect(await tasksStarted()).toBe(before);
  });

  it('answers an unreachable or silent allowed design server with 400 within the time limit', async () => {
    const closed = await freePort();
    await withServer({ allowHosts: [`127.0.0.1:${closed}`] }, async (request) => {
      const a = await request('POST', '/api/v1.0/validatedesign', ADMIN, { href: `http://127.0.0.1:${closed}/x.yaml` });
      expect(a.status).toBe(400);
      expect(String(a.json.message)).toMatch(/is unreachable: ECONNREFUSED/);
    });
    const started = Date.now();
    const resolver = new DesignRefResolver({ roots: [], allowHosts: [`127.0.0.1:${designs.port}`], timeoutMs: 1000 });
    await expect(resolver.resolve(`http://127.0.0.1:${designs.port}/slow`)).rejects.toThrow(/no answer within 1 s/);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('validates designs as Drydock does: Success 200, Failure 400 with ValidationMessages', async () => {
    const ok = await call('POST', '/api/v1.0/validatedesign', { token: ADMIN, body: { rel: 'design', href: siteRef(), type: 'application/x-yaml' } });
    expect(ok.status).toBe(200);
    expect(ok.json).toMatchObject({ kind: 'Status', apiVersion: 'v1.0', status: 'Success', code: 200, details: { errorCount: 0 } });
    const invalid = await call('POST', '/api/v1.0/validatedesign', { token: ADMIN, body: { href: `file://${join(root, 'invalid.yaml')}` } });
    expect(invalid.status).toBe(400);
    expect(invalid.json).toMatchObject({ kind: 'Status', status: 'Failure', code: 400 });
    const details = invalid.json.details as { errorCount: number; messageList: Array<Record<string, unknown>> };
    expect(details.errorCount).toBeGreaterThan(0);
    const error = details.messageList.find((m) => m.error === true)!;
    expect(error).toMatchObject({ kind: 'ValidationMessage', level: 'Error' });
    expect(String(error.name)).toMatch(/^[a-z-]+$/);
    expect(String(error.diagnostic)).toMatch(/invalid\.yaml:\d+:\d+/);
    expect((await api.validateDesign(`file://${join(root, 'invalid.yaml')}`)).status).toBe('Failure');
    expect(await call('POST', '/api/v1.0/validatedesign', { token: ADMIN, raw: '' })).toMatchObject({ status: 400, json: { message: 'Request body must not be empty for validation.' } });
    expect(await call('POST', '/api/v1.0/validatedesign', { token: ADMIN, body: { rel: 'design' } })).toMatchObject({ status: 400, json: { message: 'The "href" key must be provided in the request body.' } });
  });

  it('answers node filters and the node report', async () => {
    expect(await api.getNodesForFilter(siteRef(), { filter_set_type: 'union', filter_set: [{ filter_type: 'union', rack_names: ['rack02'] }] })).toEqual(['node0002', 'node0004']);
    expect(await api.getNodesForFilter(siteRef())).toEqual(['node0001', 'node0002', 'node0003', 'node0004']);
    expect(await call('POST', '/api/v1.0/nodefilter', { token: ADMIN, body: { node_filter: null } })).toMatchObject({ status: 400, json: { message: 'Missing input required value: design_ref' } });
    const invalid = await call('POST', '/api/v1.0/nodefilter', { token: ADMIN, body: { design_ref: `file://${join(root, 'invalid.yaml')}` } });
    expect(invalid.status).toBe(400);
    expect(String(invalid.json.message)).toMatch(/the design has \d+ error/);
    const nodes = await api.getNodes();
    expect(nodes.map((n) => n.hostname)).toEqual(['node0001', 'node0002', 'node0003', 'node0004']);
    expect(await call('GET', '/api/v1.0/nodes/node0001/builddata', { token: ADMIN })).toMatchObject({ status: 404, json: { message: 'No build data found' } });
  });

  it('answers unknown tasks and routes with 404, retention with 200, and serves the OpenAPI document of its routes', async () => {
    expect(await call('GET', '/api/v1.0/tasks/6f1e2d3c-4b5a-4968-8776-655443322110', { token: ADMIN })).toMatchObject({ status: 404, json: { type: 'error', message: 'Task 6f1e2d3c-4b5a-4968-8776-655443322110 does not exist' } });
    expect((await call('GET', '/api/v1.0/tasks/not-a-uuid', { token: ADMIN })).status).toBe(404);
    expect(await call('GET', '/api/v1.0/designs', { token: ADMIN })).toMatchObject({ status: 404, json: { type: 'error' } });
    const purge = await call('DELETE', '/api/v1.0/tasks?days=3650', { token: ADMIN });
    expect([purge.status, purge.text]).toEqual([200, 'Tables purged successfully.']);
    await api.deleteTasks(3650);
    const doc = await call('GET', '/api/v1.0/openapi.json');
    expect(doc.status).toBe(200);
    const paths = Object.keys(doc.json.paths as Record<string, unknown>).sort();
    expect(paths).toEqual(
      [
        '/versions',
        '/api/v1.0/health',
        '/api/v1.0/health/extended',
        '/api/v1.0/openapi.json',
        '/api/v1.0/tasks',
        '/api/v1.0/tasks/{task_id}',
        '/api/v1.0/tasks/{task_id}/builddata',
        '/api/v1.0/nodes',
        '/api/v1.0/nodes/{hostname}/builddata',
        '/api/v1.0/nodefilter',
        '/api/v1.0/validatedesign',
      ].sort(),
    );
    const tasksPath = (doc.json.paths as Record<string, Record<string, { requestBody?: unknown }>>)['/api/v1.0/tasks'];
    expect(Object.keys(tasksPath).sort()).toEqual(['delete', 'get', 'post']);
    expect(JSON.stringify(tasksPath.post.requestBody)).toContain('design_ref');
  });

  it('limits requests per user with 429 and retry: true', async () => {
    await withServer({ rateLimitPerMinute: 6 }, async (request) => {
      const get = (token: string) => request('GET', '/api/v1.0/tasks/6f1e2d3c-4b5a-4968-8776-655443322110', token);
      expect((await get(ADMIN)).status).toBe(404);
      const second = await get(ADMIN);
      expect(second.status).toBe(429);
      expect(second.json).toMatchObject({ type: 'error', retry: true });
      expect(Number(second.headers.get('retry-after'))).toBeGreaterThan(0);
      // Each user has a bucket of their own (the reader is refused by the default policy, not the limit).
      expect((await get(READER)).status).toBe(403);
    });
  });

  it('serves HTTPS with the configured certificate', async () => {
    const key = join(dir, 'tls.key');
    const cert = join(dir, 'tls.crt');
    await promisify(execFile)('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1']);
    const state = readRunState();
    const local = await DrydockClient.connect({ address: state.temporalAddress, namespace: state.namespace, taskQueue });
    const secure = await createApiServer({ listen: { host: '127.0.0.1', port: 0 }, tls: { certPath: cert, keyPath: key }, tokenFile, designRoots: [], allowHosts: [], log: () => undefined }, local);
    try {
      await secure.listen({ host: '127.0.0.1', port: 0 });
      const port = (secure.server.address() as AddressInfo).port;
      const body = await new Promise<string>((resolve, reject) => {
        httpsGet({ host: '127.0.0.1', port, path: '/versions', ca: readFileSync(cert) }, (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => resolve(text));
        }).on('error', reject);
      });
      expect(JSON.parse(body)).toEqual({ 'v1.0': { path: '/api/v1.0', status: 'stable' } });
    } finally {
      await secure.close();
      await local.close();
    }
  });

  it("serves Drydock's Python client (requests) unchanged: create_task, get_task with every option, get_tasks, validate_design, get_nodes_for_filter, get_nodes", async () => {
    const python = process.env.DRYDOCK_PYTHON ?? join(cacheDir(), 'venv', 'bin', 'python');
    const { port } = new URL(base);
    const { stdout } = await promisify(execFile)(python, [join(__dirname, 'drydock_client.py')], {
      env: { ...process.env, DRYDOCK_HOST: '127.0.0.1', DRYDOCK_PORT: port, DRYDOCK_TOKEN: ADMIN, DESIGN_REF: siteRef(), NODE_NAME: 'node0002' },
      timeout: 150_000,
    }).catch((err: { stdout?: string; stderr?: string }) => {
      throw new Error(`the Python client failed:\n${err.stdout ?? ''}\n${err.stderr ?? ''}`);
    });
    expect(JSON.parse(stdout.trim().split('\n').pop()!)).toEqual({ ok: true, created: 'queued', result: 'success', nodes: 4 });
  });

  it('`drydock api` refuses a broken policy file or a missing token file with exit 2, before reaching Temporal', async () => {
    const badPolicy = join(dir, 'bad-policy.yaml');
    writeFileSync(badPolicy, '"physical_provisioner:read_task": "role:admin or"\n');
    const run = (args: string[]) =>
      promisify(execFile)(process.execPath, [join(REPO_ROOT, 'bin', 'drydock.js'), 'api', ...args], { env: { ...process.env, TEMPORAL_ADDRESS: '127.0.0.1:1' } }).then(
        () => ({ code: 0, stderr: '' }),
        (err: { code: number; stderr: string }) => ({ code: err.code, stderr: err.stderr }),
      );
    const policy = await run(['--policy-file', badPolicy]);
    expect(policy.code).toBe(2);
    expect(policy.stderr).toMatch(/policy rule physical_provisioner:read_task: "role:admin or" ends early/);
    const tokens = await run(['--token-file', join(dir, 'none.yaml')]);
    expect(tokens.code).toBe(2);
    expect(tokens.stderr).toMatch(/cannot read the token file .*none\.yaml: ENOENT/);
    expect((await run(['--listen', 'nowhere'])).code).toBe(2);
  });

  it('runs as `drydock api`, configured from the environment, and stops on SIGTERM', async () => {
    const port = await freePort();
    const state = readRunState();
    let proc: ManagedProcess | undefined;
    try {
      proc = startProcessGroup('drydock api', process.execPath, [join(REPO_ROOT, 'bin', 'drydock.js'), 'api'], {
        env: { ...process.env, TEMPORAL_ADDRESS: state.temporalAddress, DRYDOCK_TASK_QUEUE: taskQueue, DRYDOCK_API_LISTEN: `127.0.0.1:${port}`, DRYDOCK_API_TOKEN_FILE: tokenFile, DRYDOCK_API_DESIGN_ROOTS: `${root},${dir}/other` },
      });
      const remote = new DrydockApiClient({ baseUrl: `http://127.0.0.1:${port}`, token: ADMIN });
      await pollUntil(async () => (await remote.versions().catch(() => undefined)) ?? undefined, { timeoutMs: 60_000, intervalMs: 250, what: 'drydock api to answer', isFatal: () => proc!.exited() });
      expect((await remote.validateDesign(siteRef())).status).toBe('Success');
      await expect(new DrydockApiClient({ baseUrl: `http://127.0.0.1:${port}` }).getTasks()).rejects.toThrow(DrydockApiError);
      process.kill(proc.child.pid as number, 'SIGTERM');
      await pollUntil(async () => (proc!.exited() ? true : undefined), { timeoutMs: 20_000, intervalMs: 100, what: 'drydock api to stop' });
      expect(proc.child.exitCode).toBe(0);
    } finally {
      if (proc && !proc.exited()) process.kill(-(proc.child.pid as number), 'SIGKILL');
    }
  });
});
