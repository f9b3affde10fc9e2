import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir } from './temporal-cli';

/** The temporal-server release the production stack runs (scripts/setup.sh builds it). */
export const TEMPORAL_SERVER_RELEASE = 'v1.29.1';

export interface TemporalServerTools {
  serverPath: string;
  sqlToolPath: string;
  /** schema/postgresql/v12 of the server module: temporal/ and visibility/ with versioned/. */
  schemaDir: string;
}

export class TemporalStackError extends Error {
  override name = 'TemporalStackError';
}

/** The binaries scripts/setup.sh builds into the cache (TEMPORAL_SERVER_DIR overrides). */
export function resolveTemporalServerTools(env: NodeJS.ProcessEnv = process.env): TemporalServerTools {
  const dir = env.TEMPORAL_SERVER_DIR ?? join(cacheDir(env), `temporal-server-${TEMPORAL_SERVER_RELEASE}`);
  const tools = { serverPath: join(dir, 'temporal-server'), sqlToolPath: join(dir, 'temporal-sql-tool'), schemaDir: join(dir, 'schema', 'postgresql', 'v12') };
  const missing = Object.values(tools).filter((p) => !existsSync(p));
  if (missing.length > 0) {
    throw new TemporalStackError(`temporal-server ${TEMPORAL_SERVER_RELEASE} is not built: missing ${missing.join(', ')}. Run \`bash scripts/setup.sh\` (it builds it with Go, about 3 minutes the first time), or set TEMPORAL_SERVER_DIR.`);
  }
  return tools;
}

/** Temporal's standalone web UI server, the release the CLI v1.5.1 embeds. */
export const UI_SERVER_RELEASE = 'v2.42.1';

/** The ui-server binary scripts/setup.sh builds, when it built (TEMPORAL_UI_SERVER_PATH overrides). */
export function resolveUiServer(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const path = env.TEMPORAL_UI_SERVER_PATH ?? join(cacheDir(env), `temporal-ui-server-${UI_SERVER_RELEASE}`, 'temporal-ui-server');
  return existsSync(path) ? path : undefined;
}
