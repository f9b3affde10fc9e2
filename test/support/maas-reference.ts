import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/**
 * MAAS's own description of its API (`shared/maas-api/real-maas-spec.json`, extracted from
 * canonical/maas; see its README), read at test time and never copied into the project. CI has
 * `../shared/` beside the checkout; a worktree may sit deeper, so the folders above the checkout
 * are searched too. `MAAS_API_SPEC` names the file explicitly.
 */
export interface SpecExport {
  code_params: Record<string, unknown>;
  doc_params: Record<string, unknown>;
  forms: Record<string, Record<string, { field: string; where?: string }>>;
  status_guards: Array<{ allowed: string[]; where: string; via?: string }>;
  where: string;
}

export interface SpecVersion {
  commit: string;
  routes: Array<{ regex: string; handler: string | null; line: number }>;
  handlers: Record<string, { exports: Record<string, SpecExport> }>;
  handler_fields: Record<string, { fields: string[]; where: string }>;
  statuses: { codes: Record<string, number>; labels: Record<string, string> };
}

export interface MaasSpec {
  versions: Record<string, SpecVersion>;
  libmaas_describe: { fixtures: Record<string, { handlers: Array<{ name: string; uri: string; kind: string; actions: string[] }> }> };
}

/** The branches of MAAS the project supports and checks against: 3.4 and later. */
export const CHECKED_VERSIONS = ['3.4', '3.6', '3.7', 'master'];

export function specPath(): string {
  if (process.env.MAAS_API_SPEC) return process.env.MAAS_API_SPEC;
  let dir = resolve(__dirname, '..', '..');
  for (let i = 0; i < 4; i++) {
    const candidate = join(dirname(dir), 'shared', 'maas-api', 'real-maas-spec.json');
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  throw new Error('shared/maas-api/real-maas-spec.json not found beside the checkout (set MAAS_API_SPEC)');
}

let cached: MaasSpec | undefined;
export function loadSpec(): MaasSpec {
  cached ??= JSON.parse(readFileSync(specPath(), 'utf8')) as MaasSpec;
  return cached;
}

/** Python's `(?P<name>...)` as JavaScript's `(?<name>...)`. */
function jsRegex(python: string): RegExp {
  return new RegExp(python.replace(/\(\?P</g, '(?<'));
}

/** The handler MAAS's urls.py routes a path (below /MAAS/api/2.0/) to, first match wins. */
export function handlerFor(version: SpecVersion, path: string): { handler: string; groups: string[] } | undefined {
  for (const route of version.routes) {
    if (!route.handler) continue;
    const m = jsRegex(route.regex).exec(path);
    if (m) return { handler: route.handler, groups: Object.keys(m.groups ?? {}) };
  }
  return undefined;
}

/** A concrete path for a route template with `{name}` segments. */
export function concretePath(template: string): string {
  return template.replace(/\{([a-z_]+)\}/g, (_, name: string) => (name === 'system_id' ? 'abc123' : name === 'name' ? 'default' : '1'));
}

/** Every parameter name an export reads: from its code, its docstring and its forms. */
export function acceptedParams(exp: SpecExport): Set<string> {
  return new Set([...Object.keys(exp.code_params), ...Object.keys(exp.doc_params), ...Object.values(exp.forms).flatMap((f) => Object.keys(f))]);
}

/** The export's form fields that are Django BooleanFields (read by CheckboxInput). */
export function booleanFields(exp: SpecExport): Set<string> {
  return new Set(Object.values(exp.forms).flatMap((f) => Object.entries(f).filter(([, v]) => /BooleanField$/.test(v.field) && !/NullBoolean/.test(v.field)).map(([k]) => k)));
}

/** MAAS's status label for a NODE_STATUS name (e.g. FAILED_RELEASING -> "Releasing failed"). */
export function statusLabel(version: SpecVersion, key: string): string {
  return version.statuses.labels[key];
}
