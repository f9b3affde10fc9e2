/**
 * `npm run demo`: the whole system deploying a realistic site, on this machine.
 *
 * Starts the embedded stack (the Temporal dev server with its web UI and state under
 * ./.drydock/, a drydock worker) and a lab on 127.0.0.1 that matches examples/site (Redfish
 * BMCs in sushy-emulator, IPMI BMCs in ipmi_sim, the MAAS emulator, Linux switches in network
 * namespaces where they can be made), then deploys the example site with live progress and ends
 * with a per-node summary and the web UI address.
 */
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type BuildDataDatabase, openBuildDataDatabase } from '../../src/builddata';
import { hashToken, TokenFileVerifier } from '../../src/api/auth/token-file';
import { DrydockClient } from '../../src/client';
import { exitCodeFor, watchRun } from '../../src/cli/commands/operate';
import { renderResult } from '../../src/cli/render';
import { DEFAULT_TASK_QUEUE } from '../../src/config/temporal-connection';
import { probeLabSwitchSupport } from '../switch';
import { type LabBootActionApi, startLabBootActionApi } from '../boot-action-api';
import { SiteLab, startSiteLab } from '../site-lab';
import { SecretResolver } from '../../src/secrets/resolver';
import { DevServer, startDevServer } from '../../src/tools/dev-server';
import { freePort, tcpPortFree } from '../../src/tools/ports';
import { DrydockWorker, createDrydockWorker } from '../../src/worker';
import { exampleCredentials, loadExampleSite } from './example-site';
import { checkLabPorts, DemoPreflightError, labPorts, takeDemoLock } from './preflight';

const HELP = `Usage: npm run demo [-- --keep] [-- --design <folder>]

Deploys the example site (examples/site: 2 racks, 8 servers with Redfish and IPMI BMCs) to a
lab on this machine, through a real Temporal dev server and a drydock worker:

  - Temporal dev server, state in ./.drydock/temporal.db, web UI on 127.0.0.1:8233 (or a free port)
  - lab: sushy-emulator (Redfish), ipmi_sim (IPMI), the MAAS emulator, and a Linux switch per
    rack in a network namespace (needs root; otherwise the switch steps are skipped)
  - the boot-action API on 127.0.0.1:9000 (or a free port) over the build-data database in
    ./.drydock/builddata (embedded PGlite, opened once by this process for the API and the
    worker); the lab's node agent plays each deployed machine's boot actions and reports them
  - a DeployNodes workflow with live per-node progress, then a per-node summary

Options:
  --keep              keep everything running after the deployment, until Ctrl-C
  --design <folder>   deploy another design (its BMCs, MAAS and switches must be lab-able)
  --help              this text

Ctrl-C stops everything cleanly: the worker, the lab (emulators, namespaces) and the server.
`;

const say = (m: string): void => void process.stdout.write(`${m}\n`);

async function portIfFree(port: number): Promise<number> {
  return (await tcpPortFree(port)) ? port : freePort();
}

interface Running {
  releaseLock?: () => void;
  server?: DevServer;
  lab?: SiteLab;
  worker?: DrydockWorker;
  workerRun?: Promise<void>;
  client?: DrydockClient;
  db?: BuildDataDatabase;
  api?: LabBootActionApi;
}

async function stopAll(r: Running): Promise<void> {
  try {
    await stopStack(r);
  } finally {
    r.releaseLock?.();
  }
}

async function stopStack(r: Running): Promise<void> {
  if (r.worker) {
    r.worker.worker.shutdown();
    await r.workerRun?.catch(() => undefined);
    await r.worker.close();
  }
  await r.lab?.stop();
  await r.api?.close();
  await r.db?.close();
  await r.client?.close();
  await r.server?.stop();
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(HELP);
    return 0;
  }
  const keep = args.includes('--keep');
  const designIndex = args.indexOf('--design');
  const designPath = resolve(designIndex >= 0 ? args[designIndex + 1] ?? '' : join(__dirname, '..', '..', 'examples', 'site'));
  const unknown = args.filter((a, i) => a.startsWith('-') && !['--keep', '--design'].includes(a) && args[i - 1] !== '--design');
  if (unknown.length > 0) {
    process.stderr.write(`demo: unknown option ${unknown.join(' ')}\n\n${HELP}`);
    return 2;
  }
  // Failed attempts show in the progress lines; the SDK's own warnings would repeat them. The
  // native core's logs go through the same logger (else they print straight to the console, e.g.
  // a harmless warning when Ctrl-C closes the connection during the worker's shutdown call).
  Runtime.install({ logger: new DefaultLogger('ERROR'), telemetryOptions: { logging: { forward: {}, filter: { core: 'ERROR', other: 'ERROR' } } } });
  const stateDir = resolve('.drydock');
  const labDir = join(stateDir, 'lab');
  const running: Running = {};
  let interrupted = false;
  const onSignal = (): void => {
    if (interrupted) return;
    interrupted = true;
    say('\nStopping (Ctrl-C): worker, lab and server...');
    void stopAll(running).then(() => {
      say('Stopped; nothing is left running.');
      process.exit(130);
    });
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    mkdirSync(stateDir, { recursive: true });
    running.releaseLock = takeDemoLock(stateDir);
  } catch (err) {
    process.stderr.write(`demo: ${err instanceof Error ? err.message : String(err)}\n`);
    return 2;
  }

  try {
    // The operator's part: credentials for the design's references, given to the worker.
    const credentials = exampleCredentials(labDir);
    for (const [k, v] of Object.entries(credentials.env)) process.env[k] ??= v;
    process.env.DRYDOCK_SECRETS_FILE ??= credentials.secretsFile;

    const switches = probeLabSwitchSupport();
    if (!switches.ok) say(`Note: the lab switches cannot run here (${switches.reason}); the switch steps will be skipped.`);
    const example = await loadExampleSite(designPath, { withoutNetworkDriver: !switches.ok });
    say(`Design ${designPath}: site ${example.site.name}, ${example.site.nodes.length} nodes in ${Object.keys(example.site.racks).length} racks.`);
    await checkLabPorts(labPorts(example.site));

    say('Starting the Temporal dev server (state in ./.drydock/temporal.db)...');
    running.server = await startDevServer({ port: await portIfFree(7233), uiPort: await portIfFree(8233), dbFilename: join(stateDir, 'temporal.db'), log: say });
    say(`  ${running.server.cli.version.replace(/^temporal version/, 'Temporal')} at ${running.server.address}, web UI ${running.server.uiUrl}`);

    say('Starting the lab on 127.0.0.1...');
    rmSync(join(labDir, 'maas-state.json'), { force: true }); // a fresh MAAS for every demo run
    running.lab = await startSiteLab({ site: example.site, secrets: new SecretResolver(), stateDir: labDir, log: (m) => say(`  ${m}`) });

    const settings = { address: running.server.address, namespace: running.server.namespace, taskQueue: DEFAULT_TASK_QUEUE };
    running.client = await DrydockClient.connect(settings);
    // PGlite is one process's database: this process hosts both the API the nodes call and the
    // worker whose DeployNode stores their keys (a production API and worker share PostgreSQL).
    running.db = await openBuildDataDatabase({ dataDir: join(stateDir, 'builddata') });
    // An operator's token (admin role) for reading build data: a fresh one each run, in
    // ./.drydock/demo-api-token (mode 0600); the API's token file holds only its SHA-256.
    const token = randomBytes(24).toString('hex');
    writeFileSync(join(stateDir, 'demo-api-token'), `${token}\n`, { mode: 0o600 });
    writeFileSync(join(stateDir, 'demo-api-tokens.yaml'), `tokens:\n  - sha256: ${hashToken(token)}\n    user: demo-operator\n    roles: [admin]\n`, { mode: 0o600 });
    running.api = await startLabBootActionApi({ drydock: running.client, db: running.db, site: example.site, port: await portIfFree(9000), verifiers: [new TokenFileVerifier(join(stateDir, 'demo-api-tokens.yaml'))] });
    say(`Boot-action API at ${running.api.apiUrl} (build data in ./.drydock/builddata); the lab's node agent reports for the deployed machines.`);
    say('Starting a drydock worker (bundling the workflows takes a few seconds)...');
    running.worker = await createDrydockWorker({ settings, activityDeps: { node: { bootActions: running.api.delivery, buildData: running.db.buildData }, oob: { buildData: running.db.buildData } } });
    running.workerRun = running.worker.worker.run();

    const workflowId = `demo-DeployNodes-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    await running.client.startDeployment({
      design: { type: 'inline', sources: example.sources },
      workflowId,
      options: { retryWindow: '0s', requestedBy: 'npm run demo' },
    });
    say(`\nDeployNodes ${workflowId} started. Live progress:\n`);
    const status = await watchRun(running.client, workflowId, { intervalMs: 1000 });
    if (process.stdout.isTTY && status.result) say(`\n${renderResult(status.result)}`);
    const agentRuns = running.lab.nodeAgent?.runs() ?? [];
    if (agentRuns.length > 0) {
      say('\nBoot actions, as the lab node agent ran and reported them:');
      for (const run of agentRuns.sort((a, b) => a.hostname.localeCompare(b.hostname))) {
        const finals = run.reports.filter((r) => r.status).map((r) => `${r.unit} ${r.status} (HTTP ${r.httpStatus})`);
        say(`  ${run.hostname}: ${run.units.length} unit(s), ${run.files.length} file(s)${finals.length ? `; ${finals.join(', ')}` : ''}${run.error ? `; ${run.error}` : ''}${run.problems.length ? `; ${run.problems.join('; ')}` : ''}`);
      }
    }

    const ui = running.server.uiUrl ?? '';
    say('');
    say(`Web UI:      ${ui}/namespaces/${running.server.namespace}/workflows/${encodeURIComponent(workflowId)}`);
    say(`All runs:    ${ui}/namespaces/${running.server.namespace}/workflows?query=${encodeURIComponent("DrydockSite='" + example.site.name + "'")}`);
    say(`CLI:         TEMPORAL_ADDRESS=${running.server.address} ./bin/drydock.js status ${workflowId}`);
    say(`             TEMPORAL_ADDRESS=${running.server.address} ./bin/drydock.js history ${example.site.nodes[0].name}`);
    say(`Build data:  curl -H "X-Auth-Token: $(cat .drydock/demo-api-token)" '${running.api.apiUrl}/nodes/${example.site.nodes[0].name}/builddata?latest=true'`);
    const code = exitCodeFor(status);
    if (keep && !interrupted) {
      say('\nEverything keeps running (--keep): explore the web UI and the CLI. Press Ctrl-C to stop.');
      await new Promise<void>(() => undefined); // until a signal stops everything
    }
    await stopAll(running);
    say(interrupted ? 'Stopped.' : 'Stopped. The web UI and the CLI lines above work while the stack runs: `npm run demo -- --keep` keeps it up until Ctrl-C\n(the run history stays in ./.drydock/temporal.db, and a --keep run shows this run too).');
    return code;
  } catch (err) {
    process.stderr.write(`demo failed: ${err instanceof Error ? err.message : String(err)}\n`);
    await stopAll(running);
    return err instanceof DemoPreflightError ? 2 : 1;
  }
}

void main().then((code) => process.exit(code));
