/**
 * The one thing the stores need from a database: parameterised queries. PostgreSQL (`pg`) in
 * production, PGlite (PostgreSQL compiled to WebAssembly, in-process, data in a folder) as the
 * embedded default; both speak the same SQL, so both run the same migrations.
 */
export interface Sql {
  query<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<{ rows: R[] }>;
  /** Runs statements in one transaction. */
  transaction<T>(fn: (tx: Pick<Sql, 'query'>) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** An embedded PostgreSQL in `dataDir` (created on first use), or in memory without one. */
export async function openPglite(dataDir?: string): Promise<Sql> {
  const { PGlite } = await import('@electric-sql/pglite');
  const db = await PGlite.create(dataDir);
  return {
    query: async <R>(text: string, params?: unknown[]) => ({ rows: (await db.query<R>(text, params)).rows }),
    transaction: (fn) => db.transaction((tx) => fn({ query: async <R>(text: string, params?: unknown[]) => ({ rows: (await tx.query<R>(text, params)).rows }) })),
    close: () => db.close(),
  };
}

/** A PostgreSQL server, e.g. `postgres://drydock@db:5432/drydock_builddata`. */
export async function openPostgres(connectionString: string, options: { max?: number } = {}): Promise<Sql> {
  const { Pool } = await import('pg');
  const pool = new Pool({ connectionString, max: options.max ?? 4 });
  // An idle connection dropped by a server restart: the pool replaces it on the next query, and
  // without a listener the error would end the process.
  pool.on('error', () => undefined);
  const query = async <R>(text: string, params?: unknown[]): Promise<{ rows: R[] }> => ({ rows: (await pool.query(text, params)).rows as R[] });
  return {
    query,
    async transaction(fn) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const out = await fn({ query: async <R>(text: string, params?: unknown[]) => ({ rows: (await client.query(text, params)).rows as R[] }) });
        await client.query('COMMIT');
        return out;
      } catch (e) {
        await client.query('ROLLBACK');
        throw e;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}
