import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runNodeCommand } from '../../src/cli/commands/node';
import { CliExit } from '../../src/cli/exit-codes';
import { REPO_ROOT } from '../support/paths';
import { FAST_DRIVER, secretsFor, startLabMaas } from '../fixtures/maas-lab';
import { fixtureNode, fixtureSite, labMachineFor, macsFor } from '../fixtures/site-model';

// The troubleshooting command's core (runNodeCommand) against the MAAS simulator, and the
// `drydock lab maas` and `drydock node` commands as an operator runs them.
const DRYDOCK = join(REPO_ROOT, 'bin', 'drydock.js');

async function cliExit(promise: Promise<unknown>): Promise<CliExit> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof CliExit) return err;
    throw err;
  }
  throw new Error('expected a CliExit');
}

describe('drydock node (runNodeCommand) against the MAAS simulator', () => {
  it('runs an action for a node, takes seed names too, and exits 2 or 3 with a clear message when it cannot', async () => {
    const n1 = fixtureNode('lab', { name: 'n1', host: 11, macs: macsFor(1) });
    const sim = await startLabMaas({ config: { machines: [labMachineFor(n1, { hostname: 'n1', enlist: 'at-start', initialStatus: 'Ready' })] } });
    const site = fixtureSite({ apiUrl: sim.url, nodes: [n1] });
    const options = { secrets: secretsFor(sim), maas: FAST_DRIVER };
    try {
      expect(await runNodeCommand(site, 'n1', 'identify-node', options)).toMatchObject({ action: 'identify-node', node: 'n1', ok: true, result: { found: true, status: 'Ready' } });
      expect(await runNodeCommand(site, 'n1', 'InterrogateNode', options)).toMatchObject({ action: 'interrogate-node', ok: true });
      expect(await runNodeCommand(site, undefined, 'validate-node-services', options)).toMatchObject({ ok: true });
      expect(await runNodeCommand(site, undefined, 'create-network-template', options)).toMatchObject({ ok: true, result: { changed: true } });

      let exit = await cliExit(runNodeCommand(site, 'n7', 'identify-node', options));
      expect(exit).toMatchObject({ code: 2, message: 'the design has no node "n7"; its nodes: n1' });
      exit = await cliExit(runNodeCommand(site, undefined, 'deploy-node', options));
      expect(exit).toMatchObject({ code: 2, message: 'deploy-node acts on one node: give --node <name> (nodes: n1)' });
      exit = await cliExit(runNodeCommand(site, 'n1', 'reboot', options));
      expect(exit.code).toBe(2);
      expect(exit.message).toMatch(/unknown node action "reboot"; actions: validate-node-services, /);
      exit = await cliExit(runNodeCommand(site, 'n1', 'identify-node', { ...options, secrets: secretsFor(sim, 'a:b:c') }));
      // A refused key is the service's verdict (src/cli/exit-codes.ts: AuthFailed exits 1 in every command).
      expect(exit.code).toBe(1);
      expect(exit.message).toMatch(/^identify-node: MAAS at .* rejected the API key from "env:MAAS_API_KEY" .*\(MaasAuthFailed\)$/);
    } finally {
      await sim.stop();
    }
    const exit = await cliExit(runNodeCommand(site, 'n1', 'identify-node', { ...options, maas: { ...FAST_DRIVER, http: { getRetries: 0 } } }));
    expect(exit.code).toBe(3);
    expect(exit.message).toMatch(/cannot reach MAAS at http:\/\/127\.0\.0\.1:\d+\/MAAS \((ECONNREFUSED|ECONNRESET)\) for GET machines\/\?hostname=n1 \(MaasUnreachable\)/);
  });

  it('`drydock node` with a design that cannot be read exits 2 and says which', () => {
    const result = spawnSync(process.execPath, [DRYDOCK, 'node', 'identify-node', '--design', '/nonexistent', '--node', 'n1'], { encoding: 'utf8' });
    expect(result.status).toBe(2);
    expect(result.stderr).toBe('drydock: cannot read /nonexistent: no such file or folder\n');
  });
});

describe('drydock lab maas', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'lab-maas-cli-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('runs the simulator, prints its URL and API key, serves the API, and stops on SIGTERM', async () => {
    const child = spawn(process.execPath, [DRYDOCK, 'lab', 'maas', '--port', '0', '--state', join(dir, 'maas.json')], { stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const banner = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          if (/API key: \S+\n/.test(out)) resolve(out);
        });
        child.on('exit', () => reject(new Error(`drydock lab maas exited early: ${out}`)));
      });
      const url = /MAAS simulator at (http:\/\/127\.0\.0\.1:\d+\/MAAS)/.exec(banner)![1];
      expect(banner).toMatch(/API key: [^:\s]+:[^:\s]+:[^:\s]+\n/);
      expect(banner).toContain(`state: ${join(dir, 'maas.json')}`);
      const version = (await (await fetch(`${url}/api/2.0/version/`)).json()) as { version: string };
      expect(version.version).toBe('3.4.0-lab');
      expect((await fetch(`${url}/api/2.0/machines/`)).status).toBe(401);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });

  it('refuses a bad configuration file, naming the file and field (exit 2)', () => {
    const config = join(dir, 'maas.yaml');
    writeFileSync(config, 'durations:\n  deployingSeconds: soon\n');
    const result = spawnSync(process.execPath, [DRYDOCK, 'lab', 'maas', '--port', '0', '--config', config], { encoding: 'utf8', timeout: 60_000 });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(new RegExp(`drydock: ${config}: durations\\.deployingSeconds: Invalid input: expected number`));
    const port = spawnSync(process.execPath, [DRYDOCK, 'lab', 'maas', '--port', 'eighty'], { encoding: 'utf8', timeout: 60_000 });
    expect(port.status).toBe(2);
    expect(port.stderr).toBe('drydock: --port must be a TCP port number, not "eighty"\n');
  });
});
