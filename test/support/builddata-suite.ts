import { hashKey } from '../../src/bootactions/keys';
import type { BootActionRecord } from '../../src/bootactions/reports';
import { bootActionBuildData, migrate, retentionCutoff, toBuildData, type BuildDataDatabase } from '../../src/builddata';

/** The build-data store's behaviour, run on each database (PGlite, PostgreSQL); `reopen` restarts it. */
export function buildDataStoreSuite(name: string, open: () => Promise<BuildDataDatabase>, reopen: () => Promise<BuildDataDatabase>): void {
  describe(name, () => {
    let db: BuildDataDatabase;
    beforeAll(async () => {
      db = await open();
    }, 120_000);
    afterAll(async () => {
      await db?.close();
    });

    it('stores build data in Drydock\'s shape and reads it back per node (all, or latest per generator) and per task', async () => {
      await db.buildData.put([
        { node_name: 'n1', task_id: 'deploy:lab:1', collected_date: '2026-01-01T00:00:00Z', generator: 'lshw', data_format: 'application/xml', data_element: '<list/>' },
        { node_name: 'n1', task_id: 'deploy:lab:1', collected_date: '2026-01-01T00:01:00Z', generator: 'InterrogateOob', data_format: 'application/json', data_element: { power: 'on' } },
        { node_name: 'n1', task_id: 'deploy:lab:2', collected_date: '2026-01-02T00:00:00Z', generator: 'lshw', data_format: 'application/xml', data_element: new TextEncoder().encode('<list id="2"/>') },
        { node_name: 'n2', task_id: 'deploy:lab:2', collected_date: '2026-01-02T00:00:00Z', generator: 'lshw', data_format: 'application/xml', data_element: '<n2/>' },
      ]);
      const all = await db.buildData.forNode('n1');
      expect(all.map((d) => [d.task_id, d.generator, d.data_element])).toEqual([
        ['deploy:lab:2', 'lshw', '<list id="2"/>'],
        ['deploy:lab:1', 'InterrogateOob', '{"power":"on"}'],
        ['deploy:lab:1', 'lshw', '<list/>'],
      ]);
      expect(all[0]).toEqual({ node_name: 'n1', task_id: 'deploy:lab:2', collected_date: '2026-01-02T00:00:00.000Z', generator: 'lshw', data_format: 'application/xml', data_element: '<list id="2"/>' });
      expect((await db.buildData.forNode('n1', { latest: true })).map((d) => [d.generator, d.task_id])).toEqual([
        ['lshw', 'deploy:lab:2'],
        ['InterrogateOob', 'deploy:lab:1'],
      ]);
      expect((await db.buildData.forTask('deploy:lab:2')).map((d) => d.node_name)).toEqual(['n1', 'n2']);
      expect((await db.buildData.forTask('deploy:lab:2', { withoutData: true }))[0]).not.toHaveProperty('data_element');
      expect(await db.buildData.forNode('nobody')).toEqual([]);
    });

    it('refuses build data without its required fields', async () => {
      await expect(db.buildData.put({ node_name: 'n1', task_id: '', generator: 'g', data_format: 'text/plain', data_element: 'x' })).rejects.toThrow(/needs task_id/);
      expect(() => toBuildData({ node_name: 'n1', task_id: 't', generator: 'g', data_format: 'text/plain', data_element: '' })).toThrow(/needs data_element/);
    });

    it('keeps boot-action contexts and records, with compare-and-set updates', async () => {
      const rec: BootActionRecord = { actionId: '01J00000000000000000000001', actionName: 'hello', nodeName: 'n1', taskId: 'deploy:lab:2', keyHash: hashKey('aa'.repeat(32)), signaling: true, status: 'incomplete', details: [] };
      await db.bootActions.putNodeContext({ nodeName: 'n1', taskId: 'deploy:lab:2', designRef: 'file:///site', keyHash: hashKey('bb'.repeat(32)), createdAt: '2026-01-02T00:00:00.000Z' }, [rec]);
      expect(await db.bootActions.getNodeContext('n1')).toEqual({ nodeName: 'n1', taskId: 'deploy:lab:2', designRef: 'file:///site', keyHash: hashKey('bb'.repeat(32)), createdAt: '2026-01-02T00:00:00.000Z' });
      const next = { ...rec, status: 'success' as const, details: [{ message: 'ok', error: false, at: '2026-01-02T00:05:00.000Z' }] };
      expect(await db.bootActions.updateAction(next, 'incomplete')).toBe(true);
      expect(await db.bootActions.updateAction({ ...next, status: 'failure' }, 'incomplete')).toBe(false);
      expect(await db.bootActions.getAction(rec.actionId)).toEqual(next);
      expect(await db.bootActions.actionsForNode('n1', 'deploy:lab:2')).toEqual([next]);
      const asData = toBuildData(bootActionBuildData(next, '2026-01-02T00:05:00Z'));
      expect(asData).toMatchObject({ node_name: 'n1', task_id: 'deploy:lab:2', generator: 'bootaction:hello', data_format: 'application/json' });
      expect(JSON.parse(asData.data_element)).toEqual({ action_id: rec.actionId, action_name: 'hello', action_status: 'success', details: next.details });
      expect(asData.data_element).not.toContain(rec.keyHash);
    });

    it('survives a reopen of the database, and migrations run once', async () => {
      await db.close();
      db = await reopen();
      expect(await migrate(db.sql)).toEqual([]);
      expect((await db.buildData.forNode('n1')).length).toBe(3);
      expect((await db.bootActions.getAction('01J00000000000000000000001'))?.status).toBe('success');
    }, 120_000);

    it('applies retention but keeps the newest element per node and generator', async () => {
      expect(await db.buildData.prune(new Date('2026-01-03T00:00:00Z'))).toBe(1);
      expect((await db.buildData.forNode('n1')).map((d) => [d.generator, d.task_id])).toEqual([
        ['lshw', 'deploy:lab:2'],
        ['InterrogateOob', 'deploy:lab:1'],
      ]);
      expect(retentionCutoff('30d', new Date('2026-02-01T00:00:00Z')).toISOString()).toBe('2026-01-02T00:00:00.000Z');
      expect(() => retentionCutoff('a month')).toThrow(/not a duration/);
    });
  });
}

