import { standaloneContext } from '../../../../src/drivers/context';
import { SimKubernetesDriver } from '../../../../src/drivers/kubernetes/sim';
import { SimLedger } from '../../../../src/drivers/sim';
import { fixtureNode, macsFor } from '../../../fixtures/site-model';

describe('the Kubernetes sim driver', () => {
  it('keeps the node\'s labels in the ledger and changes them only when they differ', async () => {
    const ledger = new SimLedger();
    const driver = new SimKubernetesDriver(ledger, { type: 'sim', latencyMs: 0 });
    const node = { ...fixtureNode('lab', { name: 'n1', host: 11, macs: macsFor(1) }), labels: { rack: 'r1' } };
    expect((await driver.relabelNode(node, standaloneContext())).changed).toBe(true);
    expect((await driver.relabelNode(node, standaloneContext())).changed).toBe(false);
    expect(ledger.node(node.name).labels).toEqual({ rack: 'r1' });
  });
});
