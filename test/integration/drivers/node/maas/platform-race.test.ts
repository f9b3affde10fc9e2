import { driverFor, startLabMaas } from '../../../../fixtures/maas-lab';
import { fixtureNode, fixtureSite, labMachineFor, macsFor, siteContext } from '../../../../fixtures/site-model';
import { standaloneContext } from '../../../../../src/drivers/context';
import type { MaasEmulator } from '../../../../../lab/maas';

// Nodes deploying in parallel apply their platforms at the same time and share their tags
// (metadata.tags): whichever creates a tag first, the others must carry on (against the lab's
// MAAS emulator).
describe('ApplyNodePlatform on nodes that share a new tag, at the same time (MAAS emulator)', () => {
  let emulator: MaasEmulator | undefined;
  afterAll(async () => {
    await emulator?.stop();
  });

  it('every node gets the tag and none fails', async () => {
    const nodes = [1, 2, 3, 4].map((i) => ({ ...fixtureNode('lab', { name: `t${i}`, host: 40 + i, macs: macsFor(40 + i) }), tags: ['shared-new-tag', 'compute'] }));
    emulator = await startLabMaas({ config: { machines: nodes.map((n) => labMachineFor(n, { hostname: n.name, enlist: 'at-start', initialStatus: 'Ready' })) } });
    const site = fixtureSite({ apiUrl: emulator.url, nodes });
    const driver = driverFor(emulator, site);
    const sc = siteContext(site);
    const results = await Promise.allSettled(nodes.map((n) => driver.applyNodePlatform(n, sc, standaloneContext())));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled']);
    expect(emulator.stats().requests['POST tags/'] ?? 0).toBeGreaterThanOrEqual(1);
    const tagged = await Promise.all(nodes.map((n) => driver.interrogateNode(n, sc, standaloneContext())));
    for (const t of tagged) expect(JSON.stringify(t.details)).toContain('shared-new-tag');
  });

  it('a retry racing the request of its own interrupted attempt for the kernel-parameter tag carries on (both read no tag, one create loses)', async () => {
    const node = fixtureNode('lab', { name: 'kp1', host: 50, macs: macsFor(50) });
    const own = await startLabMaas({ config: { machines: [labMachineFor(node, { hostname: node.name, enlist: 'at-start', initialStatus: 'Ready' })] } });
    try {
      const site = fixtureSite({ apiUrl: own.url, nodes: [node] });
      const driver = driverFor(own, site);
      const sc = siteContext(site);
      const results = await Promise.allSettled([driver.applyNodePlatform(node, sc, standaloneContext()), driver.applyNodePlatform(node, sc, standaloneContext())]);
      expect(results.map((r) => (r.status === 'rejected' ? String(r.reason) : r.status))).toEqual(['fulfilled', 'fulfilled']);
      // The kernel-parameter tag and the node's own tag: both calls sent each create, MAAS carried
      // out each once.
      expect({ received: own.stats().requests['POST tags/'], applied: own.stats().applied['POST tags/'] }).toEqual({ received: 4, applied: 2 });
    } finally {
      await own.stop();
    }
  });
});
