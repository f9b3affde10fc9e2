import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApiServer, PolicyEngine } from '../../../src/api';
import { Authenticator } from '../../../src/api/auth';
import type { Identity } from '../../../src/api/context';
import { DesignRefResolver } from '../../../src/api/design-refs';
import { prepareNodeBootActions } from '../../../src/bootactions/delivery';
import { type BuildDataDatabase, onSql } from '../../../src/builddata';
import type { DrydockClient } from '../../../src/client';
import type { BootActionReportEvent } from '../../../src/contracts/bootactions';
import type { SiteContext } from '../../../src/contracts/site-context';
import type { BootActionModel } from '../../../src/design/model';
import { openRemotePglite } from '../../support/remote-pglite';
import { node, site as baseSite } from '../../unit/bootactions/support';

// The boot-action routes and build data on the API server, over the embedded database (PGlite,
// in a child process as the other build-data tests run it). No Temporal: the node workflow's
// signal is recorded by the test.

const hello: BootActionModel = {
  name: 'hello',
  signaling: true,
  targetNodes: ['n1'],
  assets: [
    { type: 'unit', path: '/lib/systemd/system/hello.service', permissions: '644', data: '[Service]\nExecStart=/var/tmp/hello.sh\n', dataPipeline: ['utf8_decode'], locationPipeline: [] },
    { type: 'file', path: '/var/tmp/hello.sh', permissions: '0755', data: '#!/bin/sh\necho {{ action.report_url }}{{ action.action_id }}\n', dataPipeline: ['utf8_decode', 'template'], locationPipeline: [] },
  ],
};
const site = { ...baseSite, name: 'lab', bootActions: { hello } } as SiteContext;
const n1 = { ...node, bootActions: ['hello'] };
const ADMIN: Identity = { user: 'ops', roles: ['admin'], isAdminProject: false } as Identity;

function listTar(tgz: Buffer): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'ba-route-tar-'));
  try {
    writeFileSync(join(dir, 'a.tgz'), tgz);
    return execFileSync('tar', ['-tvzf', join(dir, 'a.tgz'), '--numeric-owner'], { encoding: 'utf8' }).trim().split('\n').map((l) => `${l.split(/\s+/)[0]} ${l.split(/\s+/).pop()}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

interface Answer {
  statusCode: number;
  headers: Record<string, string>;
  rawPayload: Buffer;
  json: <T = Record<string, unknown>>() => T;
}

describe('boot-action routes and build data on the API server', () => {
  let base = '';
  const http = async (o: { method: string; url: string; headers?: Record<string, string>; payload?: string }): Promise<Answer> => {
    const r = await fetch(`${base}${o.url}`, { method: o.method, headers: o.headers, body: o.payload });
    const raw = Buffer.from(await r.arrayBuffer());
    return { statusCode: r.status, headers: Object.fromEntries(r.headers), rawPayload: raw, json: <T,>() => JSON.parse(raw.toString('utf8')) as T };
  };
  const dir = mkdtempSync(join(tmpdir(), 'api-bootactions-'));
  const signals: Array<{ site: string; event: BootActionReportEvent }> = [];
  let db: BuildDataDatabase;
  let app: FastifyInstance;
  let nodeKey: string;
  let actionId: string;

  async function start(): Promise<void> {
    db = await onSql(await openRemotePglite(join(dir, 'db')));
    app = await buildApiServer({
      drydock: {} as DrydockClient, // the task routes are not called here
      auth: new Authenticator([{ name: 'test', verify: async (t) => (t === 'admin-token' ? ADMIN : undefined) }]),
      policy: PolicyEngine.fromFile(undefined),
      designs: new DesignRefResolver({ roots: [], allowHosts: [] }),
      log: () => undefined,
      bootActions: {
        store: db.bootActions,
        buildData: db.buildData,
        loadDesign: async (ref, hostname) => {
          expect(ref).toBe('file:///designs/lab');
          return { site, node: hostname === 'n1' ? n1 : undefined };
        },
        signalReport: async (s, event) => void signals.push({ site: s, event }),
        reportUrl: 'http://api.test/api/v1.0/bootactions/',
      },
    });
    base = await app.listen({ host: '127.0.0.1', port: 0 });
  }
  async function stop(): Promise<void> {
    await app.close();
    await db.close();
  }

  beforeAll(async () => {
    await start();
    const prepared = await prepareNodeBootActions(db.bootActions, { node: n1, site, taskId: 'site:lab:deploy', designRef: 'file:///designs/lab', apiUrl: 'http://api.test/api/v1.0' });
    nodeKey = /'([0-9a-f]{64})'/.exec(prepared.userData ?? '')![1];
    actionId = prepared.actions[0].actionId;
  }, 120_000);
  afterAll(async () => {
    await stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('requires the node key for units and files, refuses a wrong one, and answers gzipped tarballs with the modes', async () => {
    expect((await http({ method: 'GET', url: '/api/v1.0/bootactions/nodes/n1/units' })).statusCode).toBe(401);
    expect((await http({ method: 'GET', url: '/api/v1.0/bootactions/nodes/n1/units', headers: { 'x-bootaction-key': 'f'.repeat(64) } })).statusCode).toBe(403);
    expect((await http({ method: 'GET', url: '/api/v1.0/bootactions/nodes/n9/units', headers: { 'x-bootaction-key': nodeKey } })).statusCode).toBe(404);
    // A policy token is no substitute for the node key.
    expect((await http({ method: 'GET', url: '/api/v1.0/bootactions/nodes/n1/files', headers: { 'x-auth-token': 'admin-token' } })).statusCode).toBe(401);
    const units = await http({ method: 'GET', url: '/api/v1.0/bootactions/nodes/n1/units', headers: { 'x-bootaction-key': nodeKey } });
    expect(units.statusCode).toBe(200);
    expect(units.headers['content-type']).toBe('application/gzip');
    expect(units.headers['content-disposition']).toBe('attachment; filename="n1-unit.tar.gz"');
    expect(listTar(units.rawPayload)).toEqual(['-rw-r--r-- lib/systemd/system/hello.service']);
    const files = await http({ method: 'GET', url: '/api/v1.0/bootactions/nodes/n1/files', headers: { 'x-bootaction-key': nodeKey } });
    expect(listTar(files.rawPayload)).toEqual(['-rwxr-xr-x var/tmp/hello.sh']);
  });

  it('takes reports with the action key, signals the node workflow, refuses one after the final report, and keeps the details as build data', async () => {
    const { actionKey } = await import('../../../src/bootactions/keys');
    const key = actionKey(nodeKey, actionId);
    const post = (body: unknown, k?: string) => http({ method: 'POST', url: `/api/v1.0/bootactions/${actionId}`, headers: { 'content-type': 'application/json', ...(k ? { 'x-bootaction-key': k } : {}) }, payload: JSON.stringify(body) });
    expect((await post({ details: [] })).statusCode).toBe(401);
    expect((await post({ details: [] }, nodeKey)).statusCode).toBe(403); // the node key is not the action key
    expect((await http({ method: 'POST', url: '/api/v1.0/bootactions/01ARZ3NDEKTSV4RRFFQ69G5FAV', headers: { 'content-type': 'application/json', 'x-bootaction-key': key }, payload: '{}' })).statusCode).toBe(404);
    expect((await post({ status: 'Maybe' }, key)).statusCode).toBe(400);
    const progress = await post({ details: [{ message: 'unit installed', error: false }] }, key);
    expect(progress.statusCode).toBe(200);
    expect(progress.json()).toMatchObject({ action_id: actionId, action_status: 'incomplete' });
    const final = await post({ status: 'Success', details: [{ message: 'hello ran', error: false }] }, key);
    expect(final.statusCode).toBe(200);
    expect(final.json()).toMatchObject({ action_status: 'success', node_name: 'n1', task_id: 'site:lab:deploy' });
    const late = await post({ status: 'Failure' }, key);
    expect(late.statusCode).toBe(409);
    expect(late.json<{ message: string }>().message).toMatch(/finalized/);
    expect(signals).toEqual([
      { site: 'lab', event: { actionId, actionName: 'hello', node: 'n1', details: [{ message: 'unit installed', error: false }], at: expect.any(String) as string } },
      { site: 'lab', event: { actionId, actionName: 'hello', node: 'n1', status: 'success', details: [{ message: 'hello ran', error: false }], at: expect.any(String) as string } },
    ]);
    expect(JSON.stringify(signals)).not.toContain(key);
  });

  it('serves build data by node (latest) and by task, with the policy, and after a restart of the server and the database', async () => {
    await db.buildData.put({ node_name: 'n1', task_id: 'site:lab:deploy', generator: 'lshw', data_format: 'text/xml', data_element: '<node/>' });
    const get = (url: string, token: string | null = 'admin-token') => http({ method: 'GET', url, headers: token ? { 'x-auth-token': token } : {} });
    expect((await get('/api/v1.0/nodes/n1/builddata', null)).statusCode).toBe(401);
    const all = (await get('/api/v1.0/nodes/n1/builddata')).json<Array<{ generator: string; data_element: string }>>();
    expect(all.map((d) => d.generator)).toEqual(['lshw', 'bootaction:hello', 'bootaction:hello']);
    const latest = (await get('/api/v1.0/nodes/n1/builddata?latest=true')).json<Array<{ generator: string; data_element: string; node_name: string; task_id: string; collected_date: string; data_format: string }>>();
    expect(latest.map((d) => d.generator)).toEqual(['lshw', 'bootaction:hello']);
    expect(JSON.parse(latest[1].data_element)).toMatchObject({ action_status: 'success', details: [{ message: 'unit installed' }, { message: 'hello ran' }] });
    expect(Object.keys(latest[0]).sort()).toEqual(['collected_date', 'data_element', 'data_format', 'generator', 'node_name', 'task_id']);
    expect(JSON.stringify(all)).not.toMatch(/key_?hash/i);
    expect((await get('/api/v1.0/nodes/n2/builddata')).statusCode).toBe(404);
    expect((await get('/api/v1.0/nodes/n1/builddata?latest=maybe')).statusCode).toBe(400);

    await stop();
    await start();
    expect((await get('/api/v1.0/nodes/n1/builddata?latest=true')).json<unknown[]>().length).toBe(2);
    // Reports are still refused after the final one, across the restart.
    const { actionKey } = await import('../../../src/bootactions/keys');
    const again = await http({ method: 'POST', url: `/api/v1.0/bootactions/${actionId}`, headers: { 'content-type': 'application/json', 'x-bootaction-key': actionKey(nodeKey, actionId) }, payload: '{"status":"Success"}' });
    expect(again.statusCode).toBe(409);
  }, 120_000);
});
