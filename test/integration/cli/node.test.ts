import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { runNodeCommand } from '../../../src/cli/commands/node';
import { CliExit } from '../../../src/cli/exit-codes';
import { REPO_ROOT } from '../../support/paths';
import { FAST_DRIVER, secretsFor, startLabMaas } from '../../fixtures/maas-lab';
import { fixtureNode, fixtureSite, labMachineFor, macsFor } from '../../fixtures/site-model';

// The troubleshooting command's core (runNodeCommand) against the MAAS emulator, and the
// `drydock node` command as an operator runs it (`drydock lab maas`: test/integration/lab/maas/command.test.ts).
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

describe('drydock node (runNodeCommand) against the MAAS emulator', () => {
  it('runs an action for a node, takes seed names too, and exits 2 or 3 with a clear message when it cannot', async () => {
    const n1 = fixtureNode('lab', { name: 'n1', host: 11, macs: macsFor(1) });
    const emulator = await startLabMaas({ config: { machines: [labMachineFor(n1, { hostname: 'n1', enlist: 'at-start', initialStatus: 'Ready' })] } });
    const site = fixtureSite({ apiUrl: emulator.url, nodes: [n1] });
    const options = { secrets: secretsFor(emulator), maas: FAST_DRIVER };
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
      exit = await cliExit(runNodeCommand(site, 'n1', 'identify-node', { ...options, secrets: secretsFor(emulator, 'a:b:c') }));
      // A refused key is the service's verdict (src/cli/exit-codes.ts: AuthFailed exits 1 in every command).
      expect(exit.code).toBe(1);
      expect(exit.message).toMatch(/^identify-node: MAAS at .* rejected the API key from "env:MAAS_API_KEY" .*\(MaasAuthFailed\)$/);
    } finally {
      await emulator.stop();
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
