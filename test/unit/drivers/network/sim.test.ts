import { standaloneContext } from '../../../../src/drivers/context';
import { SimNetworkDriver } from '../../../../src/drivers/network/sim';
import { SimLedger } from '../../../../src/drivers/sim';
import { fixtureNode, fixtureSite, macsFor, siteContext } from '../../../fixtures/site-model';

describe('the network sim driver', () => {
  it('moves the node\'s ports between provisioning and production, changing only what differs', async () => {
    const ledger = new SimLedger();
    const driver = new SimNetworkDriver(ledger, { type: 'sim', latencyMs: 0 });
    const node = fixtureNode('lab', { name: 'n1', host: 11, macs: macsFor(1) });
    const site = siteContext(fixtureSite({ apiUrl: 'http://maas.example:5240/MAAS' }));
    const ctx = standaloneContext();
    expect((await driver.configurePortProvisioning(node, site, ctx)).changed).toBe(true);
    expect((await driver.configurePortProvisioning(node, site, ctx)).changed).toBe(false);
    expect((await driver.configurePortProduction(node, site, ctx)).changed).toBe(true);
    expect(ledger.node(node.name).ports).toBe('production');
  });
});
