/**
 * Starting a deployment from another Node.js service with drydock's client library.
 *
 *   TEMPORAL_ADDRESS=127.0.0.1:7233 npx tsx examples/client/start-deployment.ts examples/site [rack]
 *
 * Needs a running Temporal server with a drydock worker (e.g. `npm run demo -- --keep`).
 * A service that depends on this package imports from 'drydock-temporal' instead.
 */
import { resolve } from 'node:path';
import { DrydockClient } from '../../src/client';

async function main(): Promise<void> {
  const [designPath, rack] = process.argv.slice(2);
  if (!designPath) throw new Error('usage: start-deployment.ts <design folder> [rack]');

  const drydock = await DrydockClient.connect(); // TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, DRYDOCK_TASK_QUEUE, TLS
  try {
    const { workflowId } = await drydock.startDeployment({
      // The worker reads the design from this path: it must see the same files.
      design: { type: 'path', paths: [resolve(designPath)] },
      filter: rack ? { filterSetType: 'intersection', filterSet: [{ filterType: 'union', rackNames: [rack] }] } : undefined,
      options: { requestedBy: 'examples/client/start-deployment.ts' },
    });
    console.log(`started ${workflowId}`);
    for await (const { status } of drydock.watch(workflowId, { intervalMs: 2000 })) {
      const c = status.progress?.counts;
      if (c) console.log(`${c.succeeded}/${c.total} nodes done, ${c.running} running, ${c.failed} failed`);
    }
    const final = await drydock.getStatus(workflowId);
    console.log(`result: ${final.result?.status ?? final.failure?.message ?? final.execution}`);
  } finally {
    await drydock.close();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
