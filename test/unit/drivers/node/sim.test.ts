import { standaloneContext } from '../../../../src/drivers/context';
import { SimNodeDriver } from '../../../../src/drivers/node/sim';
import { SimLedger } from '../../../../src/drivers/sim';
import { fixtureNode, fixtureSite, macsFor, siteContext } from '../../../fixtures/site-model';

describe('the node sim driver', () => {
  it('knows a machine once it PXE-booted, commissions and deploys it once, and counts every call', async () => {
    const ledger = new SimLedger();
    const driver = new SimNodeDriver(ledger, { type: 'sim', latencyMs: 0 });
    const node = fixtureNode('lab', { name: 'n1', host: 11, macs: macsFor(1) });
    const site = siteContext(fixtureSite({ apiUrl: 'http://maas.example:5240/MAAS' }));
    const ctx = standaloneContext();
    expect(await driver.identifyNode(node, site, ctx)).toEqual({ found: false });
    Object.assign(ledger.node(node.name), { boot: 'pxe', known: true });
    expect(await driver.identifyNode(node, site, ctx)).toMatchObject({ found: true, status: 'New' });
    expect((await driver.configureHardware(node, site, ctx)).changed).toBe(true);
    expect((await driver.configureHardware(node, site, ctx)).changed).toBe(false);
    expect((await driver.deployNode(node, site, ctx)).changed).toBe(true);
    expect((await driver.deployNode(node, site, ctx)).changed).toBe(false);
    expect(ledger.calls.filter((c) => c.driver === 'node')).toHaveLength(6);
  });

  it('fails as the design injects: InvalidRequest when not retryable', async () => {
    const node = fixtureNode('lab', { name: 'n1', host: 11, macs: macsFor(1) });
    const driver = new SimNodeDriver(new SimLedger(), { type: 'sim', latencyMs: 0, fail: [{ node: node.name, action: 'DeployNode' }] });
    await expect(driver.deployNode(node, siteContext(fixtureSite({ apiUrl: 'http://maas.example:5240/MAAS' })), standaloneContext())).rejects.toMatchObject({ type: 'InvalidRequest', retryable: false });
  });
});
