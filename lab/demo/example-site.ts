import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { processDesign } from '../../src/design';
import type { DesignSource } from '../../src/design/load';
import type { CompiledSite } from '../../src/design/model';
import { readDesignSources } from '../../src/design/read-files';

/**
 * The example site (examples/site) as the demo and the end-to-end tests deploy it: the design's
 * credential references are given values here, as an operator would give them to the worker.
 */
export interface ExampleCredentials {
  /** Environment the worker (and the lab) resolve `env:` references from. */
  env: Record<string, string>;
  /** The secrets file `secret:` references are looked up in. */
  secretsFile: string;
}

/** Makes (once) and returns the credentials the example site's references name: MAAS_API_KEY,
 * DRYDOCK_IPMI_PASSWORD and the secrets file entry bmc-redfish. Files are mode 0600. */
export function exampleCredentials(dir: string): ExampleCredentials {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const envFile = join(dir, 'credentials.json');
  const secretsFile = join(dir, 'secrets.yaml');
  if (!existsSync(envFile) || !existsSync(secretsFile)) {
    const token = (n: number): string => randomBytes(n).toString('base64url');
    writeFileSync(envFile, JSON.stringify({ MAAS_API_KEY: `${token(12)}:${token(12)}:${token(24)}`, DRYDOCK_IPMI_PASSWORD: token(12) }, null, 2), { mode: 0o600 });
    writeFileSync(secretsFile, `# Secrets of the example site (secret: references), made by the demo.\nbmc-redfish: ${token(12)}\n`, { mode: 0o600 });
  }
  return { env: JSON.parse(readFileSync(envFile, 'utf8')) as Record<string, string>, secretsFile };
}

export interface ExampleSite {
  sources: DesignSource[];
  site: CompiledSite;
}

/**
 * Reads and compiles the example design. `withoutNetworkDriver` removes the Region's network
 * driver (where the lab cannot make its switches), so the switch steps are skipped, not failed.
 */
export async function loadExampleSite(path: string, options: { withoutNetworkDriver?: boolean } = {}): Promise<ExampleSite> {
  let sources = await readDesignSources([path]);
  if (options.withoutNetworkDriver) {
    sources = sources.map((source) => {
      const docs = parseAllDocuments(source.text);
      let changed = false;
      for (const doc of docs) {
        if (doc.getIn(['schema']) === 'drydock/Region/v1' && doc.hasIn(['data', 'drivers', 'network'])) {
          doc.deleteIn(['data', 'drivers', 'network']);
          changed = true;
        }
      }
      return changed ? { name: source.name, text: docs.map((d) => d.toString()).join('') } : source;
    });
  }
  const result = processDesign(sources);
  if (!result.ok || !result.site) {
    throw new Error(`the example design ${path} does not validate: ${result.findings.filter((f) => f.severity === 'error').map((f) => f.message).join('; ')}`);
  }
  return { sources, site: result.site };
}
