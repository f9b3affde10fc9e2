import { MockActivityEnvironment } from '@temporalio/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createActivities } from '../../../activities';
import { type BuildDataDatabase, onSql } from '../../../src/builddata';
import type { NodeActivityInput } from '../../../src/contracts/activities';
import { processDesign } from '../../../src/design';
import { simSiteDesign } from '../../../lab/sim-site';
import { openRemotePglite } from '../../support/remote-pglite';

// InterrogateNode and InterrogateOob keep what they found as build data (issue 16 item 5), in
// the real store; InterrogateNode's workflow result carries only a reference. Sim drivers (the
// product's own) answer; commissioning lshw from the MAAS driver is checked by the e2e test.
describe('interrogation results as build data', () => {
  const dir = mkdtempSync(join(tmpdir(), 'activities-builddata-'));
  let db: BuildDataDatabase;
  const compiled = processDesign([{ name: 'sim.yaml', text: simSiteDesign({ nodes: 1 }) }]).site!;
  const { nodes, ...site } = compiled;
  const input: NodeActivityInput = { node: nodes[0], site: site, taskId: 'deploy:simsite:1' };

  beforeAll(async () => {
    db = await onSql(await openRemotePglite(join(dir, 'db')));
  }, 120_000);
  afterAll(async () => {
    await db?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores InterrogateNode in Drydock\'s shape and hands the workflow only its generator and size', async () => {
    const acts = createActivities({ node: { buildData: db.buildData }, oob: { buildData: db.buildData } });
    const env = new MockActivityEnvironment({});
    const result = await env.run(acts.interrogateNode, input);
    const [stored] = await db.buildData.forTask('deploy:simsite:1');
    expect(stored).toMatchObject({ node_name: nodes[0].name, task_id: 'deploy:simsite:1', generator: 'InterrogateNode', data_format: 'application/json' });
    expect(JSON.parse(stored.data_element)).toMatchObject({ identity: { machineId: `sim-${nodes[0].name}` } });
    expect(result).toEqual({ identity: expect.objectContaining({ machineId: `sim-${nodes[0].name}` }) as object, details: { buildData: [{ generator: 'InterrogateNode', bytes: Buffer.byteLength(stored.data_element) }] } });

    const oob = await env.run((i: NodeActivityInput) => acts.interrogateOob(i), input);
    const latest = await db.buildData.forNode(nodes[0].name, { latest: true });
    expect(latest.map((d) => d.generator).sort()).toEqual(['InterrogateNode', 'InterrogateOob']);
    expect(JSON.parse(latest.find((d) => d.generator === 'InterrogateOob')!.data_element)).toEqual(JSON.parse(JSON.stringify(oob)));
  }, 60_000);

  it('keeps the full result, and stores nothing, without a build-data store', async () => {
    const plain = createActivities();
    const result: { details: unknown } = await new MockActivityEnvironment({}).run((i: NodeActivityInput) => plain.interrogateNode(i), { ...input, taskId: 'deploy:simsite:2' });
    expect(result.details).not.toHaveProperty('buildData');
    expect(await db.buildData.forTask('deploy:simsite:2')).toEqual([]);
  }, 60_000);
});
