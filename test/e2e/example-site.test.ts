import { Client, Connection } from '@temporalio/client';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { createActivities } from '../../activities';
import { DrydockClient } from '../../src/client';
import { nodeWorkflowId, SiteActionResult } from '../../src/contracts/deployment';
import { exampleCredentials, loadExampleSite } from '../../lab/demo/example-site';
import { probeLabSwitchSupport } from '../../lab/switch';
import { SiteLab, startSiteLab } from '../../lab/site-lab';
import { SecretResolver } from '../../src/secrets/resolver';
import { pollUntil } from '../../src/tools/poll';
import { REPO_ROOT, TEST_ARTIFACTS_DIR } from '../support/paths';
import { readRunState } from '../support/run-state';
import { uniqueTaskQueue, withWorker } from '../support/temporal';

// The example site (examples/site: 8 nodes in 2 racks, Redfish and IPMI BMCs, bonded and trunked
// links, LVM) deployed to the lab as `npm run demo` does, through the harness's dev server; then
// the Temporal web UI, as operators use it, in headless Chromium.
const CHROMIUM = '/usr/bin/chromium';
const switches = probeLabSwitchSupport();
if (!switches.ok) console.warn(`lab switches unavailable here (${switches.reason}): the example site deploys without its network driver`);
if (!existsSync(CHROMIUM)) console.warn(`web UI test skipped: ${CHROMIUM} is not installed (bash scripts/setup.sh installs Debian's chromium)`);

describe('the example site on the lab', () => {
  let lab: SiteLab | undefined;
  let result: SiteActionResult;
  let workflowId: string;
  const state = readRunState();

  afterAll(async () => {
    await lab?.stop();
  });

  it('DeployNodes deploys all 8 nodes (Redfish and IPMI) and each node workflow is found by DrydockNode', async () => {
    const credentials = exampleCredentials(mkdtempSync(join(tmpdir(), 'drydock-example-')));
    const env = { ...process.env, ...credentials.env, DRYDOCK_SECRETS_FILE: credentials.secretsFile };
    const secrets = new SecretResolver({ env });
    const example = await loadExampleSite(join(REPO_ROOT, 'examples', 'site'), { withoutNetworkDriver: !switches.ok });
    lab = await startSiteLab({ site: example.site, secrets, stateDir: mkdtempSync(join(tmpdir(), 'drydock-example-lab-')) });
    expect(lab.redfish).toHaveLength(1);
    expect(lab.ipmi.size).toBe(4);

    const taskQueue = uniqueTaskQueue('example');
    const connection = await Connection.connect({ address: state.temporalAddress });
    try {
      result = await withWorker({ taskQueue, activities: createActivities({ secrets, client: new Client({ connection }) }) }, async (client) => {
        const drydock = new DrydockClient(client, { address: state.temporalAddress, namespace: state.namespace, taskQueue });
        ({ workflowId } = await drydock.startDeployment({ design: { type: 'inline', sources: example.sources }, options: { retryWindow: 0 } }));
        const finished = (await client.workflow.getHandle(workflowId).result()) as SiteActionResult;
        // No credential the worker resolved (BMC passwords, the MAAS API key) is in any history.
        const secretValues = [...Object.values(credentials.env), ...credentials.env.MAAS_API_KEY.split(':'), secrets.resolve('secret:bmc-redfish', 'test').reveal()];
        for (const id of [workflowId, ...finished.nodes.map((n) => n.workflowId)]) {
          const history = JSON.stringify(await client.workflow.getHandle(id).fetchHistory());
          for (const value of secretValues) expect(history.includes(value)).toBe(false);
        }
        return finished;
      });
    } finally {
      await connection.close();
    }
    expect(result).toMatchObject({ site: 'lab1', status: 'success', failures: [] });
    expect(result.successes.sort()).toEqual(['cmp01', 'cmp02', 'cmp03', 'cmp04', 'cmp05', 'ctl01', 'ctl02', 'ctl03']);
    for (const machine of Object.values(lab.maas!.stats().machines)) expect(machine.status).toBe('Deployed');
    if (switches.ok) {
      // The production configuration reached the switch: bond ports trunk mgmt (100, untagged) and storage (110).
      const table = await lab.switches.get('leaf01')!.vlanTable();
      expect(table.swp8).toEqual(expect.arrayContaining([{ vid: 100, pvid: true, untagged: true }, { vid: 110, pvid: false, untagged: false }]));
    }

    // The real Temporal CLI finds the node's workflow by the search attribute.
    const listed = spawnSync(state.cliPath, ['workflow', 'list', '--address', state.temporalAddress, '--query', "DrydockNode='cmp01'", '--output', 'json'], { encoding: 'utf8' });
    expect(listed.status).toBe(0);
    const ids = (JSON.parse(listed.stdout || '[]') as Array<{ execution: { workflowId: string } }>).map((w) => w.execution.workflowId);
    expect(ids).toContain(nodeWorkflowId('lab1', 'cmp01'));
  }, 600_000);

  (existsSync(CHROMIUM) ? it : it.skip)('the web UI lists the deployment and filters by DrydockNode (headless Chromium)', async () => {
    expect(workflowId).toBeDefined();
    mkdirSync(TEST_ARTIFACTS_DIR, { recursive: true });
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
      const ui = state.temporalUiUrl!;
      // The site's runs, not the whole namespace: the other suites share this server, and their
      // newer workflows can push the deployment off the unfiltered list's first page.
      await page.goto(`${ui}/namespaces/${state.namespace}/workflows?query=${encodeURIComponent("DrydockSite='lab1'")}`);
      await page.getByText(workflowId, { exact: false }).first().waitFor({ timeout: 60_000 });
      await page.screenshot({ path: join(TEST_ARTIFACTS_DIR, 'ui-workflows.png'), fullPage: true });

      const query = encodeURIComponent("DrydockNode='cmp01'");
      await page.goto(`${ui}/namespaces/${state.namespace}/workflows?query=${query}`);
      await page.getByText(nodeWorkflowId('lab1', 'cmp01')).first().waitFor({ timeout: 60_000 });
      // Filtered: the other nodes' workflows are not listed.
      await pollUntil(async () => ((await page.getByText(nodeWorkflowId('lab1', 'cmp02')).count()) === 0 ? true : undefined), { timeoutMs: 30_000, what: 'the list to show only cmp01' });
      await page.screenshot({ path: join(TEST_ARTIFACTS_DIR, 'ui-filter-drydocknode.png'), fullPage: true });
    } finally {
      await browser.close();
    }
  }, 180_000);
});
