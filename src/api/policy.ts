import { readFileSync } from 'node:fs';
import YAML from 'yaml';
import type { Identity } from './context';

/**
 * Authorisation by Drydock's policy rules (drydock_provisioner/policy.py), in oslo.policy's
 * expression language: `role:NAME`, `rule:NAME`, `@` (always), `!` (never), an empty rule
 * (always), generic checks `KEY:VALUE` or `KEY:%(target_key)s` against the caller's credentials,
 * combined with `and`, `or`, `not` and parentheses. A policy file (YAML or JSON, rule name ->
 * expression, like oslo's policy.yaml) overrides the defaults rule by rule.
 */
export const DEFAULT_POLICY: Readonly<Record<string, string>> = {
  admin_required: 'role:admin or is_admin:1',
  'physical_provisioner:read_task': 'role:admin',
  'physical_provisioner:create_task': 'role:admin',
  'physical_provisioner:validate_design': 'role:admin',
  'physical_provisioner:verify_site': 'role:admin',
  'physical_provisioner:prepare_site': 'role:admin',
  'physical_provisioner:verify_nodes': 'role:admin',
  'physical_provisioner:prepare_nodes': 'role:admin',
  'physical_provisioner:deploy_nodes': 'role:admin',
  'physical_provisioner:destroy_nodes': 'role:admin',
  'physical_provisioner:delete_tasks': 'role:admin',
  'physical_provisioner:relabel_nodes': 'role:admin',
  'physical_provisioner:read_build_data': 'role:admin',
  'physical_provisioner:read_data': 'role:admin',
  'physical_provisioner:ingest_data': 'role:admin',
  'physical_provisioner:health_data': 'role:admin',
  'physical_provisioner:validate_site_design': 'role:admin',
};

export class PolicyError extends Error {
  override name = 'PolicyError';
}

type Node =
  | { kind: 'const'; value: boolean }
  | { kind: 'check'; key: string; match: string }
  | { kind: 'not'; of: Node }
  | { kind: 'and' | 'or'; of: Node[] };

function tokenize(expr: string): string[] {
  // `%(key)s` references are part of a check, not parentheses.
  const kept = expr.replace(/%\((\w+)\)s/g, '%<$1>s');
  return kept
    .replace(/\(/g, ' ( ')
    .replace(/\)/g, ' ) ')
    .split(/\s+/)
    .filter(Boolean)
    .map((t) => t.replace(/%<(\w+)>s/g, '%($1)s'));
}

export function parseRule(expr: string): Node {
  const tokens = tokenize(expr);
  if (tokens.length === 0) return { kind: 'const', value: true };
  let pos = 0;
  const peek = (): string | undefined => tokens[pos];
  const orExpr = (): Node => {
    const parts = [andExpr()];
    while (peek()?.toLowerCase() === 'or') {
      pos += 1;
      parts.push(andExpr());
    }
    return parts.length === 1 ? parts[0] : { kind: 'or', of: parts };
  };
  const andExpr = (): Node => {
    const parts = [notExpr()];
    while (peek()?.toLowerCase() === 'and') {
      pos += 1;
      parts.push(notExpr());
    }
    return parts.length === 1 ? parts[0] : { kind: 'and', of: parts };
  };
  const notExpr = (): Node => {
    if (peek()?.toLowerCase() === 'not') {
      pos += 1;
      return { kind: 'not', of: notExpr() };
    }
    return atom();
  };
  const atom = (): Node => {
    const t = tokens[pos++];
    if (t === undefined) throw new PolicyError(`"${expr}" ends early`);
    if (t === '(') {
      const inner = orExpr();
      if (tokens[pos++] !== ')') throw new PolicyError(`"${expr}" misses a closing parenthesis`);
      return inner;
    }
    if (t === '@') return { kind: 'const', value: true };
    if (t === '!') return { kind: 'const', value: false };
    const colon = t.indexOf(':');
    if (colon <= 0) throw new PolicyError(`"${t}" in "${expr}" is not a check (role:NAME, rule:NAME, KEY:VALUE, @ or !)`);
    return { kind: 'check', key: t.slice(0, colon), match: t.slice(colon + 1) };
  };
  const node = orExpr();
  if (pos !== tokens.length) throw new PolicyError(`"${expr}" has unexpected "${tokens[pos]}"`);
  return node;
}

/** The target Drydock passes to oslo: the caller's own project and user. */
interface Target {
  project_id?: string;
  user_id?: string;
}

export class PolicyEngine {
  private readonly rules = new Map<string, Node>();

  constructor(readonly expressions: Readonly<Record<string, string>>) {
    for (const [name, expr] of Object.entries(expressions)) {
      try {
        this.rules.set(name, parseRule(expr));
      } catch (err) {
        throw new PolicyError(`policy rule ${name}: ${(err as Error).message}`);
      }
    }
  }

  static fromFile(path: string | undefined): PolicyEngine {
    if (!path) return new PolicyEngine(DEFAULT_POLICY);
    let parsed: unknown;
    try {
      parsed = YAML.parse(readFileSync(path, 'utf8'));
    } catch (err) {
      throw new PolicyError(`cannot read the policy file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    if (parsed === null || parsed === undefined) parsed = {};
    if (typeof parsed !== 'object' || Array.isArray(parsed)) throw new PolicyError(`the policy file ${path} must map rule names to expressions`);
    const overrides: Record<string, string> = {};
    for (const [name, expr] of Object.entries(parsed as Record<string, unknown>)) {
      if (typeof expr !== 'string') throw new PolicyError(`the policy file ${path}: rule ${name} must be a string expression`);
      overrides[name] = expr;
    }
    return new PolicyEngine({ ...DEFAULT_POLICY, ...overrides });
  }

  /** Unknown rules deny, as oslo.policy refuses to enforce an unregistered rule. */
  authorize(rule: string, identity: Identity | undefined): boolean {
    const node = this.rules.get(rule);
    if (!node) return false;
    const target: Target = { project_id: identity?.projectId, user_id: identity?.userId };
    return this.evaluate(node, identity, target, new Set([rule]));
  }

  private evaluate(node: Node, who: Identity | undefined, target: Target, seen: Set<string>): boolean {
    switch (node.kind) {
      case 'const':
        return node.value;
      case 'not':
        return !this.evaluate(node.of, who, target, seen);
      case 'and':
        return node.of.every((n) => this.evaluate(n, who, target, seen));
      case 'or':
        return node.of.some((n) => this.evaluate(n, who, target, seen));
      case 'check':
        return this.check(node.key, node.match, who, target, seen);
    }
  }

  private check(key: string, match: string, who: Identity | undefined, target: Target, seen: Set<string>): boolean {
    if (key === 'rule') {
      const ref = this.rules.get(match);
      if (!ref || seen.has(match)) return false;
      return this.evaluate(ref, who, target, new Set([...seen, match]));
    }
    if (!who) return false;
    if (key === 'role') return who.roles.some((r) => r.toLowerCase() === match.toLowerCase());
    const credentials: Record<string, string | undefined> = {
      user_id: who.userId,
      user_domain_id: who.userDomainId,
      project_id: who.projectId,
      project_domain_id: who.projectDomainId,
      is_admin_project: String(who.isAdminProject),
    };
    const ref = /^%\((\w+)\)s$/.exec(match);
    const expected = ref ? (target as Record<string, string | undefined>)[ref[1]] : match;
    const actual = credentials[key];
    return expected !== undefined && actual !== undefined && actual.toLowerCase() === expected.toLowerCase();
  }
}
