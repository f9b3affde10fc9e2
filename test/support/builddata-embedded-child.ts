/**
 * The embedded build-data database opened the way the product opens it
 * (`openBuildDataDatabase({ dataDir })`), in a process of its own (see pglite-child.ts for why):
 * `put <node>` stores one element, `list <node>` prints the node's build data as JSON.
 */
import { openBuildDataDatabase } from '../../src/builddata';

async function main(): Promise<void> {
  const [dataDir, op, node] = process.argv.slice(2);
  const db = await openBuildDataDatabase({ dataDir });
  try {
    if (op === 'put') await db.buildData.put({ node_name: node, task_id: 'deploy:lab:9', generator: 'lshw', data_format: 'application/xml', data_element: `<${node}/>` });
    process.stdout.write(JSON.stringify(await db.buildData.forNode(node)));
  } finally {
    await db.close();
  }
}

void main();
