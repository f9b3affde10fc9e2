/**
 * Times the linux-bridge network driver against the namespace lab switch (real SSH, real sshd):
 * lab start/stop, and each action, changed and unchanged. Needs root and iproute2/openssh-server.
 *   npm run bench:switch [-- ROUNDS]
 * On kernels without bridge VLAN filtering the lab's VLAN table is emulated (one node process
 * per `bridge`/`ip` call on the switch), which dominates the action times there.
 */
import { standaloneContext } from '../src/drivers/context';
import { createNetworkDriver } from '../src/drivers/network';
import { startLabSwitch } from '../lab/switch';
import { SecretResolver } from '../src/secrets/resolver';
import { runMain } from '../src/tools/run-main';
import { labSite, labTorSwitch, sampleNode } from '../test/support/network-site';

function stats(samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  return `median ${median.toFixed(0)} ms, min ${sorted[0].toFixed(0)} ms, max ${sorted[sorted.length - 1].toFixed(0)} ms (n=${sorted.length})`;
}

async function time<T>(samples: number[], fn: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const result = await fn();
  samples.push(performance.now() - started);
  return result;
}

async function main(): Promise<void> {
  const rounds = Number(process.argv[2] ?? '5');
  const t = { start: [] as number[], stop: [] as number[], validate: [] as number[], interrogate: [] as number[], productionChanged: [] as number[], productionUnchanged: [] as number[], provisioningChanged: [] as number[] };
  let mode = '';
  for (let i = 0; i < rounds; i++) {
    const lab = await time(t.start, () => startLabSwitch({ ports: 4 }));
    mode = lab.vlanMode;
    try {
      const driver = createNetworkDriver({ type: 'linux-bridge' }, { secrets: new SecretResolver({ env: {} }) });
      const site = labSite(labTorSwitch(lab));
      const node = sampleNode();
      const ctx = standaloneContext();
      await time(t.validate, () => driver.validateNetworkServices(site, ctx));
      await time(t.interrogate, () => driver.interrogatePort(node, site, ctx));
      const changed = await time(t.productionChanged, () => driver.configurePortProduction(node, site, ctx));
      const unchanged = await time(t.productionUnchanged, () => driver.configurePortProduction(node, site, ctx));
      if (!changed.changed || unchanged.changed) throw new Error('production did not behave declaratively');
      await lab.bridgeCommand(['vlan', 'add', 'dev', 'swp1', 'vid', '100', 'pvid', 'untagged']);
      await time(t.provisioningChanged, () => driver.configurePortProvisioning(node, site, ctx));
    } finally {
      await time(t.stop, () => lab.stop());
    }
  }
  process.stdout.write(`lab switch (${mode} VLAN table), ${rounds} rounds\n`);
  for (const [name, samples] of Object.entries(t)) process.stdout.write(`  ${name.padEnd(20)} ${stats(samples)}\n`);
}

runMain('bench:switch', main);
