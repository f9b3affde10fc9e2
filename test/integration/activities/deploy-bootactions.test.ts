import { MockActivityEnvironment } from '@temporalio/testing';
import { createNodeActivities, designRefOf } from '../../../activities/node';
import { MemoryBootActionStore } from '../../../src/bootactions/store';
import type { ActionOutcome } from '../../../src/contracts/driver-results';
import type { SiteContext } from '../../../src/contracts/site-context';
import type { BootActionModel, NodeModel } from '../../../src/design/model';
import type { DeployOptions, NodeDriver } from '../../../src/drivers/node';
import { node as baseNode, site as baseSite } from '../../unit/bootactions/support';

// DeployNode with boot actions (issue 16): the user data is made only when the driver really
// requests the deploy, and the activity returns the prepared actions (never a key).
const hello: BootActionModel = {
  name: 'hello',
  signaling: true,
  targetNodes: ['n1'],
  assets: [
    { type: 'unit', path: '/lib/systemd/system/hello.service', permissions: '644', data: '[Service]\n', dataPipeline: ['utf8_decode'], locationPipeline: [] },
    { type: 'pkg_list', data: { curl: null }, dataPipeline: [], locationPipeline: [] },
  ],
};
const site = { ...baseSite, name: 'lab', region: { name: 'lab', drivers: { node: { type: 'maas' } } }, bootActions: { hello } } as unknown as SiteContext;
const node: NodeModel = { ...baseNode, bootActions: ['hello'] };

function driver(calls: Array<string | undefined>, requestDeploy: () => boolean): NodeDriver {
  return {
    deployNode: async (_n: NodeModel, _s: SiteContext, _ctx: unknown, deploy?: DeployOptions) => {
      if (requestDeploy()) calls.push(await deploy?.userData?.());
      return { changed: true, message: 'deployed' };
    },
  } as unknown as NodeDriver;
}

const deploy = async (env: MockActivityEnvironment, acts: ReturnType<typeof createNodeActivities>, input: Parameters<ReturnType<typeof createNodeActivities>['deployNode']>[0]): Promise<ActionOutcome> => env.run<[typeof input], ActionOutcome, typeof acts.deployNode>(acts.deployNode, input);

describe('DeployNode hands MAAS the boot-action user data', () => {
  it('prepares keys and actions once per real deploy request; a retry on a deploying machine keeps them', async () => {
    const store = new MemoryBootActionStore();
    const calls: Array<string | undefined> = [];
    let request = true;
    const acts = createNodeActivities({ createDriver: () => driver(calls, () => request), bootActions: { store, apiUrl: 'http://api.test/api/v1.0' } });
    const env = new MockActivityEnvironment({});
    const first = await deploy(env, acts, { node, site, taskId: 'site:lab:deploy' });
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatch(/^#cloud-config/);
    expect(calls[0]).toContain('http://api.test/api/v1.0');
    expect(calls[0]).toContain('curl');
    expect(first.bootActions).toEqual([{ actionId: expect.any(String) as string, name: 'hello', signaling: true }]);
    expect(JSON.stringify(first)).not.toMatch(/[0-9a-f]{64}/); // no key in what the workflow gets
    expect((await store.getNodeContext('n1'))?.taskId).toBe('site:lab:deploy');

    request = false; // the machine is already deploying: no new request, no new keys
    const retry = await deploy(env, acts, { node, site, taskId: 'site:lab:deploy' });
    expect(calls).toHaveLength(1);
    expect(retry.bootActions).toEqual(first.bootActions);
  });

  it('keeps today’s behaviour without a store, and for a node without boot actions', async () => {
    const calls: Array<string | undefined> = [];
    const plain = createNodeActivities({ createDriver: () => driver(calls, () => true) });
    const env = new MockActivityEnvironment({});
    expect((await deploy(env, plain, { node, site })).bootActions).toBeUndefined();
    const withStore = createNodeActivities({ createDriver: () => driver(calls, () => true), bootActions: { store: new MemoryBootActionStore(), apiUrl: 'http://a' } });
    expect((await deploy(env, withStore, { node: { ...node, bootActions: [] }, site })).bootActions).toBeUndefined();
    expect(calls).toEqual([undefined, undefined]);
  });

  it('names the design the API renders from: the file or folder holding the Region and the node', () => {
    const s = (file?: string) => ({ ...site, region: { ...site.region, source: file ? { file, line: 1, column: 1 } : undefined } }) as unknown as SiteContext;
    const n = (file?: string) => ({ ...node, source: file ? { file, line: 1, column: 1 } : undefined }) as NodeModel;
    expect(designRefOf(n('/d/site.yaml'), s('/d/site.yaml'))).toBe('file:///d/site.yaml');
    expect(designRefOf(n('/d/nodes/n1.yaml'), s('/d/region.yaml'))).toBe('file:///d');
    expect(designRefOf(n('site.yaml'), s('site.yaml'))).toBe('design:lab');
  });
});
