import { standaloneContext } from '../../../../src/drivers/context';
import { SimOobDriver } from '../../../../src/drivers/oob/sim';
import { SimLedger } from '../../../../src/drivers/sim';

describe('the OOB sim driver', () => {
  it('keeps power and boot in the ledger, ensures rather than toggles, and counts every call', async () => {
    const ledger = new SimLedger();
    const driver = new SimOobDriver(ledger);
    const target = { node: 'n1', type: 'sim', address: 'sim', params: {} };
    const ctx = standaloneContext();
    expect((await driver.setNodeBoot(target, { device: 'pxe', persistent: false, mode: 'uefi' }, ctx)).changed).toBe(true);
    expect((await driver.powerOnNode(target, ctx)).changed).toBe(true);
    expect((await driver.powerOnNode(target, ctx)).changed).toBe(false);
    expect(ledger.node('n1')).toMatchObject({ power: 'on', boot: 'pxe', known: true });
    expect(await driver.interrogateOob(target, ctx)).toMatchObject({ power: 'on', boot: { device: 'pxe' } });
    expect(ledger.calls.map((c) => `${c.driver}:${c.action}:${c.node}`)).toEqual(['oob:SetNodeBoot:n1', 'oob:PowerOnNode:n1', 'oob:PowerOnNode:n1', 'oob:InterrogateOob:n1']);
  });

  it('fails as the node\'s oob.fail says: Busy when retryable, the given number of times', async () => {
    const driver = new SimOobDriver(new SimLedger());
    const target = { node: 'n1', type: 'sim', address: 'sim', params: { fail: [{ node: 'n1', action: 'PowerCycleNode', times: 1, retryable: true }] } };
    await expect(driver.powerCycleNode(target, standaloneContext())).rejects.toMatchObject({ type: 'SimBusy', retryable: true });
    await expect(driver.powerCycleNode(target, standaloneContext())).resolves.toMatchObject({ changed: true });
  });
});
