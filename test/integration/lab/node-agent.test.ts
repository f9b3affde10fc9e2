import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApiServer, PolicyEngine } from '../../../src/api';
import { Authenticator } from '../../../src/api/auth';
import { DesignRefResolver } from '../../../src/api/design-refs';
import { prepareNodeBootActions } from '../../../src/bootactions/delivery';
import { type BuildDataDatabase, onSql } from '../../../src/builddata';
import type { DrydockClient } from '../../../src/client';
import type { BootActionReportEvent } from '../../../src/contracts/bootactions';
import type { SiteContext } from '../../../src/contracts/site-context';
import type { BootActionModel } from '../../../src/design/model';
import { type ExpectedAsset, NodeAgent, parseNodeUserData } from '../../../lab/node-agent';
import { freePort } from '../../../src/tools/ports';
import { openRemotePglite } from '../../support/remote-pglite';
import { node, site as baseSite } from '../../unit/bootactions/support';

// The lab's node agent against the real boot-action routes (API server over the embedded
// database in a child process): it reads the user data DeployNode makes, downloads with the
// node key, unpacks with GNU tar, checks modes and reports as the node's unit would.

function readyAction(fail?: string): BootActionModel {
  const env = `DRYDOCK_ACTION_ID={{ action.action_id }}\nDRYDOCK_ACTION_KEY={{ action.action_key }}\nDRYDOCK_REPORT_URL={{ action.report_url }}{{ action.action_id }}\n${fail ? `DRYDOCK_LAB_FAIL=${fail}\n` : ''}`;
  return {
    name: 'ready',
    signaling: true,
    targetNodes: ['n1'],
    assets: [
      { type: 'file', path: '/etc/drydock/ready.env', data: env, dataPipeline: ['utf8_decode', 'template'], locationPipeline: [] },
      { type: 'file', path: '/usr/local/sbin/ready', permissions: '755', data: '#!/bin/sh\n', dataPipeline: [], locationPipeline: [] },
      { type: 'unit', path: '/lib/systemd/system/ready.service', permissions: '644', data: '[Service]\nEnvironmentFile=/etc/drydock/ready.env\nExecStart=/usr/local/sbin/ready --now\n', dataPipeline: [], locationPipeline: [] },
    ],
  };
}
const EXPECTED: ExpectedAsset[] = [
  { bootAction: 'ready', type: 'file', path: '/etc/drydock/ready.env', mode: 0o600 },
  { bootAction: 'ready', type: 'file', path: '/usr/local/sbin/ready', mode: 0o755 },
  { bootAction: 'ready', type: 'unit', path: '/lib/systemd/system/ready.service', mode: 0o644 },
];

describe('the lab node agent plays a deployed node against the boot-action API', () => {
  const dir = mkdtempSync(join(tmpdir(), 'node-agent-'));
  let db: BuildDataDatabase;
  let app: FastifyInstance;
  let base = '';
  let action = readyAction();
  const signals: BootActionReportEvent[] = [];

  beforeAll(async () => {
    db = await onSql(await openRemotePglite(join(dir, 'db')));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    app = await buildApiServer({
      drydock: {} as DrydockClient, // no task routes are called
      auth: new Authenticator([]),
      policy: PolicyEngine.fromFile(undefined),
      designs: new DesignRefResolver({ roots: [], allowHosts: [] }),
      log: () => undefined,
      bootActions: {
        store: db.bootActions,
        buildData: db.buildData,
        loadDesign: async (_ref, hostname) => ({ site: { ...baseSite, name: 'lab', bootActions: { ready: action } }, node: hostname === 'n1' ? { ...node, bootActions: ['ready'] } : undefined }),
        signalReport: async (_site, event) => void signals.push(event),
        reportUrl: `${base}/api/v1.0/bootactions/`,
      },
    });
    await app.listen({ host: '127.0.0.1', port });
  }, 120_000);
  afterAll(async () => {
    await app?.close();
    await db?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function deploy(task: string): Promise<{ userData: string; actionId: string }> {
    const site = { ...baseSite, name: 'lab', bootActions: { ready: action } } as SiteContext;
    const p = await prepareNodeBootActions(db.bootActions, { node: { ...node, bootActions: ['ready'] }, site, taskId: task, designRef: 'design:lab', apiUrl: `${base}/api/v1.0` });
    return { userData: p.userData!, actionId: p.actions[0].actionId };
  }

  it('reads the fetch plan from the user data DeployNode makes', async () => {
    const { userData } = await deploy('t0');
    const plan = parseNodeUserData(userData).fetch!;
    expect(plan).toEqual({ nodeKey: expect.stringMatching(/^[0-9a-f]{64}$/) as string, base: `${base}/api/v1.0/bootactions/nodes/n1`, fetches: ['files', 'units'], enablesUnits: true });
    expect(parseNodeUserData(null)).toEqual({ packages: [] });
    expect(() => parseNodeUserData('#!/bin/sh\n')).toThrow(/not #cloud-config/);
  }, 60_000);

  it('downloads, checks the modes and reports Success (a detail, then the final status)', async () => {
    const { userData, actionId } = await deploy('t1');
    const agent = new NodeAgent({ rootDir: join(dir, 'nodes'), expectedAssets: () => EXPECTED, attempts: 2, retryMs: 100 });
    const run = await agent.play({ systemId: 'abc', hostname: 'n1', userData });
    expect(run.error).toBeUndefined();
    expect(run.problems).toEqual([]);
    expect(run.files.map((f) => [f.path, f.mode])).toEqual([['/etc/drydock/ready.env', 0o600], ['/usr/local/sbin/ready', 0o755]]);
    expect(run.units.map((f) => [f.path, f.mode])).toEqual([['/lib/systemd/system/ready.service', 0o644]]);
    expect(run.reports.map((r) => [r.status, r.httpStatus])).toEqual([[undefined, 200], ['Success', 200]]);
    expect((await db.bootActions.getAction(actionId))?.status).toBe('success');
    expect(signals.filter((s) => s.actionId === actionId).map((s) => s.status)).toEqual([undefined, 'success']);
  }, 60_000);

  it('reports Failure, naming what differs, when a mode is not what the design says', async () => {
    const { userData, actionId } = await deploy('t2');
    const agent = new NodeAgent({ rootDir: join(dir, 'nodes'), expectedAssets: () => EXPECTED.map((a) => (a.path === '/usr/local/sbin/ready' ? { ...a, mode: 0o700 } : a)), attempts: 1 });
    const run = await agent.play({ systemId: 'abc', hostname: 'n1', userData });
    expect(run.problems).toEqual(['file /usr/local/sbin/ready of boot action ready has mode 755, the design says 700']);
    const record = await db.bootActions.getAction(actionId);
    expect(record?.status).toBe('failure');
    expect(record?.details.at(-1)).toMatchObject({ error: true, message: expect.stringContaining('has mode 755, the design says 700') as string });
  }, 60_000);

  it('reports Failure with the message of an asset marked to fail (DRYDOCK_LAB_FAIL)', async () => {
    action = readyAction('disk burn-in failed');
    const { userData, actionId } = await deploy('t3');
    const run = await new NodeAgent({ rootDir: join(dir, 'nodes'), expectedAssets: () => EXPECTED, attempts: 1 }).play({ systemId: 'abc', hostname: 'n1', userData });
    expect(run.reports.at(-1)).toMatchObject({ status: 'Failure', message: 'disk burn-in failed', httpStatus: 200 });
    expect((await db.bootActions.getAction(actionId))?.details.at(-1)).toMatchObject({ message: 'disk burn-in failed', error: true });
  }, 60_000);

  it('cannot report with a wrong node key: the download is refused and nothing is posted', async () => {
    const { userData } = await deploy('t4');
    const forged = userData.replace(/'([0-9a-f]{64})'/, `'${'0'.repeat(64)}'`);
    const run = await new NodeAgent({ rootDir: join(dir, 'nodes'), attempts: 1 }).play({ systemId: 'abc', hostname: 'n1', userData: forged });
    expect(run.error).toMatch(/HTTP 403/);
    expect(run.reports).toEqual([]);
  }, 60_000);
});
