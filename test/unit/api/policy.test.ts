import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Identity } from '../../../src/api/context';
import { DEFAULT_POLICY, parseRule, PolicyEngine, PolicyError } from '../../../src/api/policy';

const who = (roles: string[], extra: Partial<Identity> = {}): Identity => ({ user: 'u', userId: 'uid', projectId: 'p1', roles, isAdminProject: false, via: 'test', ...extra });

describe("Drydock's policy rules", () => {
  it("has Drydock's rule names, each role:admin by default", () => {
    for (const rule of ['read_task', 'create_task', 'validate_design', 'verify_site', 'prepare_site', 'verify_nodes', 'prepare_nodes', 'deploy_nodes', 'destroy_nodes', 'relabel_nodes', 'delete_tasks', 'read_build_data', 'read_data', 'ingest_data', 'health_data', 'validate_site_design']) {
      expect(DEFAULT_POLICY[`physical_provisioner:${rule}`]).toBe('role:admin');
    }
    const engine = new PolicyEngine(DEFAULT_POLICY);
    expect(engine.authorize('physical_provisioner:read_task', who(['admin']))).toBe(true);
    expect(engine.authorize('physical_provisioner:read_task', who(['Admin']))).toBe(true);
    expect(engine.authorize('physical_provisioner:read_task', who(['member']))).toBe(false);
    expect(engine.authorize('physical_provisioner:read_task', undefined)).toBe(false);
    expect(engine.authorize('physical_provisioner:no_such_rule', who(['admin']))).toBe(false);
  });

  it('evaluates and, or, not, parentheses, rule:, @, ! and target checks', () => {
    const engine = new PolicyEngine({
      ...DEFAULT_POLICY,
      reader: 'role:reader or rule:admin_required',
      'physical_provisioner:read_task': 'rule:reader',
      'physical_provisioner:deploy_nodes': '(role:deployer and not role:suspended) or role:admin',
      'physical_provisioner:read_data': '@',
      'physical_provisioner:delete_tasks': '!',
      'physical_provisioner:health_data': 'project_id:%(project_id)s',
      'physical_provisioner:read_build_data': 'is_admin_project:True',
      loop: 'rule:loop',
      'physical_provisioner:ingest_data': 'rule:loop',
    });
    expect(engine.authorize('physical_provisioner:read_task', who(['reader']))).toBe(true);
    expect(engine.authorize('physical_provisioner:read_task', who(['admin']))).toBe(true);
    expect(engine.authorize('physical_provisioner:read_task', who([]))).toBe(false);
    expect(engine.authorize('physical_provisioner:deploy_nodes', who(['deployer']))).toBe(true);
    expect(engine.authorize('physical_provisioner:deploy_nodes', who(['deployer', 'suspended']))).toBe(false);
    expect(engine.authorize('physical_provisioner:read_data', undefined)).toBe(true);
    expect(engine.authorize('physical_provisioner:delete_tasks', who(['admin']))).toBe(false);
    expect(engine.authorize('physical_provisioner:health_data', who([]))).toBe(true);
    expect(engine.authorize('physical_provisioner:read_build_data', who([], { isAdminProject: true }))).toBe(true);
    expect(engine.authorize('physical_provisioner:read_build_data', who([]))).toBe(false);
    expect(engine.authorize('physical_provisioner:ingest_data', who(['admin']))).toBe(false);
  });

  it('refuses malformed expressions with the rule named', () => {
    expect(() => parseRule('role:admin or')).toThrow(PolicyError);
    expect(() => parseRule('(role:admin')).toThrow(/closing parenthesis/);
    expect(() => parseRule('admin')).toThrow(/not a check/);
    expect(() => new PolicyEngine({ r: 'role:a and and' })).toThrow(/policy rule r/);
  });

  it('reads a policy file that overrides some defaults and keeps the rest', () => {
    const dir = mkdtempSync(join(tmpdir(), 'policy-'));
    const file = join(dir, 'policy.yaml');
    writeFileSync(file, '"physical_provisioner:read_task": "role:admin or role:reader"\n');
    const engine = PolicyEngine.fromFile(file);
    expect(engine.authorize('physical_provisioner:read_task', who(['reader']))).toBe(true);
    expect(engine.authorize('physical_provisioner:create_task', who(['reader']))).toBe(false);
    writeFileSync(file, '"physical_provisioner:read_task": [1]\n');
    expect(() => PolicyEngine.fromFile(file)).toThrow(/must be a string/);
    expect(() => PolicyEngine.fromFile(join(dir, 'missing.yaml'))).toThrow(/ENOENT/);
  });
});
