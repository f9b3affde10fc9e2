import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BuildDataDatabase, onSql } from '../../../src/builddata';
import { startRetention } from '../../../src/builddata/retention';
import { pollUntil } from '../../../src/tools/poll';
import { openRemotePglite } from '../../support/remote-pglite';

// Retention over the real store (the embedded database in a child process).
describe('build-data retention', () => {
  const dir = mkdtempSync(join(tmpdir(), 'builddata-retention-'));
  let db: BuildDataDatabase;
  const now = new Date('2026-03-01T00:00:00Z');
  const put = (node: string, generator: string, date: string): Promise<void> => db.buildData.put({ node_name: node, task_id: 't', generator, data_format: 'text/plain', data_element: `${node}/${generator}/${date}`, collected_date: date });

  beforeAll(async () => {
    db = await onSql(await openRemotePglite(join(dir, 'db')));
  }, 120_000);
  afterAll(async () => {
    await db?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('deletes what is older than the retention on start and at every interval, keeping the newest element per node and generator', async () => {
    await put('n1', 'lshw', '2026-01-01T00:00:00Z'); // old, but n1's newest lshw after the next line? no: older
    await put('n1', 'lshw', '2026-01-15T00:00:00Z'); // old, and n1's newest lshw: kept
    await put('n1', 'InterrogateOob', '2026-01-02T00:00:00Z'); // old, newest of its generator: kept
    await put('n1', 'InterrogateOob', '2026-02-25T00:00:00Z'); // recent
    await put('n2', 'lshw', '2026-01-01T00:00:00Z'); // old, newest: kept
    const logs: string[] = [];
    let clock = now;
    const runner = startRetention(db.buildData, { retention: '30d', intervalMs: 200, now: () => clock, log: (m) => void logs.push(m) });
    try {
      expect(await runner.first).toBe(2); // n1's older lshw and older InterrogateOob
      expect((await db.buildData.forNode('n1')).map((d) => d.data_element)).toEqual(['n1/InterrogateOob/2026-02-25T00:00:00Z', 'n1/lshw/2026-01-15T00:00:00Z']);
      expect(logs).toEqual(['build data: 2 element(s) older than 30d deleted']);
      // Later: a new lshw arrives and time passes; the periodic pass removes the old one.
      await put('n1', 'lshw', '2026-03-20T00:00:00Z');
      clock = new Date('2026-04-01T00:00:00Z');
      await pollUntil(async () => ((await db.buildData.forNode('n1')).length === 2 ? true : undefined), { timeoutMs: 20_000, intervalMs: 100, what: 'the periodic retention pass' });
      expect((await db.buildData.forNode('n1')).map((d) => d.data_element)).toEqual(['n1/lshw/2026-03-20T00:00:00Z', 'n1/InterrogateOob/2026-02-25T00:00:00Z']);
      expect((await db.buildData.forNode('n2')).length).toBe(1);
    } finally {
      runner.stop();
    }
  }, 60_000);

  it('refuses a retention that is not a duration, at start', () => {
    expect(() => startRetention(db.buildData, { retention: 'a month' })).toThrow(/not a duration like 30d/);
  });
});
