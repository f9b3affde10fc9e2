import type { KubernetesDriverConfig, NetworkDriverConfig, NodeDriverConfig } from '../../../src/design/model';
import { DriverError } from '../../../src/drivers/errors';
import { createKubernetesDriver, kubernetesDriverRegistry } from '../../../src/drivers/kubernetes';
import { createNetworkDriver, networkDriverRegistry } from '../../../src/drivers/network';
import { createNodeDriver, nodeDriverRegistry } from '../../../src/drivers/node';
import { createOobDriver, oobDriverRegistry } from '../../../src/drivers/oob';
import { SimLedger } from '../../../src/drivers/sim';
import { SecretResolver } from '../../../src/secrets/resolver';

const secrets = new SecretResolver({ env: {} });
const thrown = (build: () => unknown): DriverError => {
  try {
    build();
  } catch (err) {
    if (err instanceof DriverError) return err;
    throw err;
  }
  throw new Error('expected a DriverError');
};

describe('driver registries: one per kind, one error kind for an unknown type', () => {
  const unknown = [
    { kind: 'oob', component: 'bmc', build: (type: string) => createOobDriver(type, {}, 'n7'), message: /^node n7: oob type "carrier-pigeon" has no driver \(available: ipmi, manual, redfish, sim\)$/ },
    { kind: 'node', component: 'maas', build: (type: string) => createNodeDriver({ type } as unknown as NodeDriverConfig, { secrets }), message: /^Region drivers\.node\.type "carrier-pigeon" is not a node driver this build knows \(maas, sim\)$/ },
    { kind: 'network', component: 'switch', build: (type: string) => createNetworkDriver({ type } as unknown as NetworkDriverConfig, { secrets }), message: /^network driver type "carrier-pigeon" is not available in this build \(Region data\.drivers\.network\.type\); available: linux-bridge, sim$/ },
    { kind: 'kubernetes', component: 'kubernetes', build: (type: string) => createKubernetesDriver({ type } as unknown as KubernetesDriverConfig, { secrets }), message: /^Kubernetes driver type "carrier-pigeon" is not available in this build \(Region data\.drivers\.kubernetes\.type\); available: kubernetes, sim$/ },
  ];

  it.each(unknown)('an unknown $kind driver type is a non-retryable InvalidRequest naming the type and the ones available', ({ component, build, message }) => {
    const err = thrown(() => build('carrier-pigeon'));
    expect(err).toMatchObject({ kind: 'InvalidRequest', type: 'InvalidRequest', retryable: false, component });
    expect(err.message).toMatch(message);
    expect(err.details.driverType).toBe('carrier-pigeon');
  });

  it.each(unknown)('a $kind type that is only an inherited property ("constructor", "toString") is no driver', ({ build }) => {
    expect(thrown(() => build('constructor')).kind).toBe('InvalidRequest');
    expect(thrown(() => build('toString')).kind).toBe('InvalidRequest');
  });

  it('lists the implementations of every kind declaratively, and builds each kind\'s sim driver from its own module', () => {
    expect(Object.keys(oobDriverRegistry).sort()).toEqual(['ipmi', 'manual', 'redfish', 'sim']);
    expect(Object.keys(nodeDriverRegistry).sort()).toEqual(['maas', 'sim']);
    expect(Object.keys(networkDriverRegistry).sort()).toEqual(['linux-bridge', 'sim']);
    expect(Object.keys(kubernetesDriverRegistry).sort()).toEqual(['kubernetes', 'sim']);
    const simLedger = new SimLedger();
    const sim = { type: 'sim', latencyMs: 0 } as const;
    expect(createOobDriver('sim', { simLedger }).type).toBe('sim');
    expect(createNodeDriver(sim, { secrets, simLedger }).type).toBe('sim');
    expect(createNetworkDriver(sim, { secrets, simLedger }).type).toBe('sim');
    expect(createKubernetesDriver(sim, { secrets, simLedger }).type).toBe('sim');
  });
});
