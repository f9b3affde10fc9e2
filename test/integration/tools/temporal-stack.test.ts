import { Client, Connection } from '@temporalio/client';
import { existsSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { DrydockClient } from '../../../src/client';
import { tlsOptions } from '../../../src/config/temporal-connection';
import { SiteActionResult, SiteProgress } from '../../../src/contracts/deployment';
import { SimLedger } from '../../../src/drivers/sim';
import { simSiteDesign } from '../../../lab/sim-site';
import { pollUntil } from '../../../src/tools/poll';
import { createDrydockWorker } from '../../../src/worker';
import { dumpBytes, payloadsIn, stackUnavailable, startTestStack, TestStack } from '../../support/prod-stack';
import { uniqueTaskQueue } from '../../support/temporal';
import { connectTemporal } from '../../../src/config/open-connection';

// The production stack: temporal-server v1.29.1 on PostgreSQL with frontend mTLS, a drydock
// worker and client with the AES-GCM payload codec, and the sim drivers (their ledger counts
// every side effect).
process.env.SIM_BMC_PASSWORD = 'sim-bmc-secret-prod-7c1e';
const unavailable = stackUnavailable();
const describeStack = unavailable ? describe.skip : describe;
if (unavailable) process.stderr.write(`[prod-stack] skipped: ${unavailable}\n`);

const CHROMIUM = '/usr/bin/chromium';
const STEPS = ['SetNodeBoot', 'PowerCycleNode', 'ConfigureHardware', 'ApplyNodeNetworking', 'ApplyNodeStorage', 'ApplyNodePlatform', 'DeployNode', 'ConfigurePortProduction', 'RelabelNode'];

/** The sim design with its BMCs on the mgmt network: each node's BMC address is then its mgmt
 * address (10.1.x.y), which the payloads must hide. */
function design(site: string, nodes: number, latencyMs: number, failures?: Parameters<typeof simSiteDesign>[0]['failures']): { text: string; bmcs: string[] } {
  const text = simSiteDesign({ site, nodes, racks: 2, latencyMs, failures }).replace('oob:\n    type: sim\n    network: pxe', 'oob:\n    type: sim\n    network: mgmt');
  const bmcs = [...text.matchAll(/network: mgmt\n\s+address: (10\.1\.\d+\.\d+)/g)].map((m) => m[1]);
  expect(bmcs.length).toBe(nodes);
  return { text, bmcs };
}

describeStack('the production stack: temporal-server on PostgreSQL, mTLS, encrypted payloads', () => {
  let t: TestStack;
  let raw: Client;
  let closeRaw: () => Promise<void>;

  beforeAll(async () => {
    t = await startTestStack();
    const connection = await connectTemporal({ address: t.stack.state.address, tls: tlsOptions(t.settings('none')) });
    raw = new Client({ connection, namespace: t.stack.state.namespace });
    closeRaw = () => connection.close();
  }, 240_000);
  afterAll(async () => {
    await closeRaw?.();
    await t?.stop();
  });

  async function withCodecWorker<T>(ledger: SimLedger, fn: (drydock: DrydockClient) => Promise<T>): Promise<T> {
    const taskQueue = uniqueTaskQueue('prod');
    const settings = t.settings(taskQueue);
    const created = await createDrydockWorker({
      settings,
      workflowBundlePath: t.workflowBundlePath,
      activityDeps: { simLedger: ledger },
      overrides: { maxHeartbeatThrottleInterval: '1s', defaultHeartbeatThrottleInterval: '1s', shutdownGraceTime: '1s' },
    });
    const drydock = await DrydockClient.connect(settings);
    try {
      return await created.worker.runUntil(fn(drydock));
    } finally {
      await drydock.close();
      await created.close();
    }
  }

  it('refuses a client without a valid certificate: none, no client certificate, or one from another CA', async () => {
    const { address } = t.stack.state;
    const certs = t.stack.state.certificates;
    const ca = readFileSync(certs.caCert);
    const attempt = async (tls: NonNullable<Parameters<typeof Connection.connect>[0]>['tls']) => {
      const connection = await connectTemporal({ address, tls, connectTimeout: 2_000 });
      try {
        await connection.workflowService.describeNamespace({ namespace: 'default' });
      } finally {
        await connection.close();
      }
    };
    await expect(attempt(undefined)).rejects.toThrow();
    await expect(attempt({ serverRootCACertificate: ca, serverNameOverride: certs.serverName })).rejects.toThrow();
    const other = mkdtempSync(join(tmpdir(), 'other-ca-'));
    const sh = (args: string[]) => expect(spawnSync('openssl', args, { encoding: 'utf8' }).status).toBe(0);
    sh(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', join(other, 'ca.key'), '-out', join(other, 'ca.pem'), '-days', '2', '-subj', '/CN=other CA']);
    sh(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', join(other, 'c.key'), '-subj', '/CN=intruder', '-out', join(other, 'c.csr')]);
    sh(['x509', '-req', '-in', join(other, 'c.csr'), '-CA', join(other, 'ca.pem'), '-CAkey', join(other, 'ca.key'), '-CAcreateserial', '-days', '2', '-out', join(other, 'c.pem')]);
    await expect(attempt({ serverRootCACertificate: ca, serverNameOverride: certs.serverName, clientCertPair: { crt: readFileSync(join(other, 'c.pem')), key: readFileSync(join(other, 'c.key')) } })).rejects.toThrow();
    // The right certificate works (the same call, so the refusals above were about certificates).
    await expect(attempt({ serverRootCACertificate: ca, serverNameOverride: certs.serverName, clientCertPair: { crt: readFileSync(certs.clientCert), key: readFileSync(certs.clientKey) } })).resolves.toBeUndefined();
  });

  it('deploys a sim site through a worker with the codec; history and database hold no node names, BMC addresses or failure messages in the clear; the codec server decodes them', async () => {
    const ledger = new SimLedger();
    const site = `p${Date.now() % 100000}a`;
    const { text, bmcs } = design(site, 4, 5, [{ node: 'node0003', action: 'DeployNode', times: 1 }]);
    const workflowId = await withCodecWorker(ledger, async (drydock) => {
      const { workflowId } = await drydock.startDeployment({ design: { type: 'inline', sources: [{ name: 'site.yaml', text }] } });
      const status = await drydock.waitForResult(workflowId, { intervalMs: 300 });
      expect(status.result).toMatchObject({ status: 'partial_success', failures: [{ node: 'node0003', step: 'DeployNode', message: expect.stringContaining('injected failure of DeployNode') as unknown }] });
      expect(await drydock.retryFailed(workflowId)).toEqual(['node0003']);
      const final = (await drydock.client.workflow.getHandle(workflowId).result()) as SiteActionResult;
      expect(final.status).toBe('success');
      return workflowId;
    });
    for (const node of ['node0001', 'node0002', 'node0004']) for (const step of STEPS) expect([node, step, ledger.count(step, node)]).toEqual([node, step, 1]);
    // The retried node is not power-cycled again: the bootstrapper knew it.
    expect([ledger.count('PowerCycleNode', 'node0003'), ledger.count('DeployNode', 'node0003')]).toEqual([1, 2]);

    // Undecoded, as the server stores them: every payload encrypted, nothing readable.
    const nodeNames = ['node0001', 'node0002', 'node0003', 'node0004'];
    const secrets = [...nodeNames, ...bmcs, 'ops@example.com', 'injected failure'];
    const histories = await Promise.all([workflowId, ...nodeNames.map((n) => `node:${site}:${n}`)].map((id) => raw.workflow.getHandle(id).fetchHistory()));
    const payloads = histories.flatMap((h) => payloadsIn(h));
    expect(payloads.length).toBeGreaterThan(50);
    for (const p of payloads) {
      for (const s of secrets) expect([s, Buffer.from(p.data).includes(s)]).toEqual([s, false]);
      // The SDK's core writes the marker of a `patched()` call itself, past the codec: its payload
      // is the patch id (a name of ours, such as "site-lanes"), readable, and nothing else.
      if (/\.markerRecordedEventAttributes\.details\.patch-data\./.test(p.path)) {
        expect([p.path, Buffer.from(p.data).toString()]).toEqual([p.path, expect.stringMatching(/^\{"id":"[a-z-]+"/)]);
        continue;
      }
      expect([p.path, Buffer.from(p.metadata.encoding).toString()]).toEqual([p.path, 'binary/encrypted']);
    }
    expect(JSON.stringify(histories)).not.toContain('injected failure');

    // The database: no BMC address and no failure message anywhere, in text or bytea columns.
    const dump = dumpBytes(t.stack.dump());
    expect(dump.includes(`node:${site}:node0001`)).toBe(true); // workflow ids and search attributes stay plaintext (docs/production.md)
    for (const s of [...bmcs, 'ops@example.com', 'injected failure', 'SimCorp']) expect([s, dump.includes(s)]).toEqual([s, false]);

    // The codec server shows them decoded (what the web UI and `temporal --codec-endpoint` call).
    // node0001's child workflow input: its compiled node model.
    const inputs = payloadsIn(histories[1].events?.[0]);
    const body = { payloads: inputs.map((p) => ({ metadata: Object.fromEntries(Object.entries(p.metadata).map(([k, v]) => [k, Buffer.from(v).toString('base64')])), data: Buffer.from(p.data).toString('base64') })) };
    const res = await fetch(`${t.codecServer.url}/decode`, { method: 'POST', headers: { Authorization: `Bearer ${t.codecToken}`, 'X-Namespace': 'default' }, body: JSON.stringify(body) });
    expect(res.status).toBe(200);
    const decoded = ((await res.json()) as { payloads: Array<{ data: string }> }).payloads.map((p) => Buffer.from(p.data, 'base64').toString()).join('\n');
    expect(decoded).toContain(site);
    expect(decoded).toContain('node0001');
    expect(decoded).toContain(bmcs[0]);

    // And the web UI, in a browser authorized at the codec server, shows the node model decoded.
    if (!t.stack.state.uiUrl || !existsSync(CHROMIUM)) {
      process.stderr.write(`[prod-stack] web UI check skipped: ${t.stack.state.uiUrl ? `${CHROMIUM} is not installed` : 'ui-server is not built'}\n`);
      return;
    }
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
    try {
      const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
      await page.goto(`${t.codecServer.url}/authorize`);
      await page.fill('input[name=token]', t.codecToken);
      await Promise.all([page.waitForLoadState(), page.click('button')]);
      await page.getByText('may now call the codec server').waitFor({ timeout: 10_000 });
      const decodesBefore = t.codecServer.served.decode;
      await page.goto(`${t.stack.state.uiUrl}/namespaces/default/workflows/${encodeURIComponent(`node:${site}:node0001`)}`);
      await pollUntil(async () => ((await page.content()).includes(bmcs[0]) ? true : undefined), { timeoutMs: 60_000, intervalMs: 500, what: `the UI to show node0001's decoded input (BMC address ${bmcs[0]})` });
      // It came through the codec server: the page's own calls, with the cookie.
      expect(t.codecServer.served.decode).toBeGreaterThan(decodesBefore);
    } finally {
      await browser.close();
    }
  });

  it('a deployment survives SIGKILL and restart of temporal-server, then a PostgreSQL restart, with no duplicated side effect', async () => {
    const ledger = new SimLedger();
    const site = `p${Date.now() % 100000}b`;
    const nodes = 6;
    const { text } = design(site, nodes, 150);
    const figures = await withCodecWorker(ledger, async (drydock) => {
      const { workflowId } = await drydock.startDeployment({ design: { type: 'inline', sources: [{ name: 'site.yaml', text }] } });
      const progress = () => drydock.client.workflow.getHandle(workflowId).query<SiteProgress>('progress');
      const callsWhen = async (what: string, enough: number) => pollUntil(async () => (ledger.calls.length >= enough ? ledger.calls.length : undefined), { timeoutMs: 60_000, what });
      await pollUntil(async () => ((await progress()).counts.running > 0 ? true : undefined), { timeoutMs: 60_000, intervalMs: 200, what: 'the nodes to start' });
      const atKill = await callsWhen('a few driver calls', 8);
      const t0 = Date.now();
      t.stack.serverProcess().signal('SIGKILL');
      await pollUntil(() => (t.stack.serverProcess().exited() ? true : undefined), { timeoutMs: 10_000, what: 'temporal-server to die' });
      await t.stack.restartServer();
      const serverBackS = (Date.now() - t0) / 1000;
      const atPgRestart = await callsWhen('driver calls after the server restart', atKill + 10);
      const t1 = Date.now();
      await t.stack.restartPostgres();
      const pgBackS = (Date.now() - t1) / 1000;
      const final = (await drydock.client.workflow.getHandle(workflowId).result()) as SiteActionResult;
      return { final, atKill, atPgRestart, serverBackS, pgBackS, afterPgS: (Date.now() - t1) / 1000 };
    });
    process.stderr.write(
      `[prod-stack] fault run: temporal-server SIGKILL after ${figures.atKill} driver calls (answering again ${figures.serverBackS.toFixed(1)} s later), PostgreSQL restart after ${figures.atPgRestart} (${figures.pgBackS.toFixed(1)} s), ` +
        `result ${figures.afterPgS.toFixed(1)} s after that; ${ledger.calls.length} driver calls in all\n`,
    );
    expect(figures.final.status).toBe('success');
    expect(figures.final.successes.length).toBe(nodes);
    for (const step of STEPS) expect([step, ledger.count(step)]).toEqual([step, nodes]);
    expect(ledger.count('CreateBootMedia')).toBe(1);
  });
});
