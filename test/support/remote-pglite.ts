import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import type { Sql } from '../../src/builddata/sql';
import { REPO_ROOT } from './paths';

/** The product's embedded database, run by test/support/pglite-child.ts in a child process. */
export async function openRemotePglite(dataDir: string): Promise<Sql> {
  const child = spawn(join(REPO_ROOT, 'node_modules', '.bin', 'tsx'), [join(REPO_ROOT, 'test', 'support', 'pglite-child.ts'), dataDir], { stdio: ['pipe', 'pipe', 'inherit'] });
  const pending = new Map<number, { resolve: (rows: unknown[]) => void; reject: (e: Error) => void }>();
  let ready: () => void = () => undefined;
  const started = new Promise<void>((resolve) => (ready = resolve));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  createInterface({ input: child.stdout }).on('line', (line) => {
    const msg = JSON.parse(line) as { ready?: boolean; id: number; rows?: unknown[]; error?: string };
    if (msg.ready) return ready();
    const p = pending.get(msg.id);
    pending.delete(msg.id);
    if (msg.error !== undefined) p?.reject(new Error(msg.error));
    else p?.resolve(msg.rows ?? []);
  });
  await Promise.race([started, exited.then(() => Promise.reject(new Error('the PGlite child exited before it was ready')))]);
  let next = 0;
  const send = (m: object): Promise<unknown[]> =>
    new Promise((resolve, reject) => {
      const id = ++next;
      pending.set(id, { resolve, reject });
      child.stdin.write(`${JSON.stringify({ id, ...m })}\n`);
    });
  const query = async <R>(text: string, params?: unknown[]): Promise<{ rows: R[] }> => ({ rows: (await send({ text, params })) as R[] });
  return {
    query,
    async transaction(fn) {
      await query('BEGIN');
      try {
        const out = await fn({ query });
        await query('COMMIT');
        return out;
      } catch (e) {
        await query('ROLLBACK');
        throw e;
      }
    },
    async close() {
      await send({ close: true });
      child.stdin.end();
      await exited;
    },
  };
}
