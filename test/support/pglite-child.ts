/**
 * PGlite in a process of its own, for jest: PGlite's Emscripten loader uses dynamic `import()`,
 * which jest's module sandbox refuses without --experimental-vm-modules. The child opens the
 * embedded database with the product's `openPglite` and runs the queries it reads (one JSON
 * line each on stdin), answering one JSON line each on stdout.
 */
import { createInterface } from 'node:readline';
import { openPglite } from '../../src/builddata/sql';

async function main(): Promise<void> {
  const sql = await openPglite(process.argv[2]);
  process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
  for await (const line of createInterface({ input: process.stdin })) {
    const { id, text, params, close } = JSON.parse(line) as { id: number; text?: string; params?: unknown[]; close?: boolean };
    if (close) {
      await sql.close();
      process.stdout.write(`${JSON.stringify({ id, rows: [] })}\n`);
      break;
    }
    try {
      const { rows } = await sql.query(text!, params);
      process.stdout.write(`${JSON.stringify({ id, rows })}\n`);
    } catch (e) {
      process.stdout.write(`${JSON.stringify({ id, error: (e as Error).message })}\n`);
    }
  }
}

void main();
