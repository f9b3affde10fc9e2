import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashToken, TokenFileVerifier } from '../../../src/api/auth/token-file';
import { tokenOf } from '../../../src/api/auth';
import { ApiError } from '../../../src/api/errors';
import { parseNodeFilter } from '../../../src/api/node-filter';
import { RateLimiter } from '../../../src/api/rate-limit';
import { actionOf, taskIdOfWorkflow, workflowIdOfTask } from '../../../src/api/tasks';
import { validationStatus } from '../../../src/api/validation';

describe('REST API building blocks', () => {
  it("maps Drydock's actions, plural and singular, onto workflows and policy rules", () => {
    expect(actionOf('deploy_nodes')).toEqual({ workflow: 'DeployNodes', canonical: 'deploy_nodes', rule: 'physical_provisioner:deploy_nodes' });
    expect(actionOf('deploy_node')).toEqual(actionOf('deploy_nodes'));
    expect(actionOf('validate_design')?.rule).toBe('physical_provisioner:validate_design');
    expect(actionOf('relabel_nodes')?.workflow).toBe('RelabelNodes');
    expect(actionOf('toString')).toBeUndefined();
    expect(actionOf('reboot_nodes')).toBeUndefined();
  });

  it('maps task ids onto workflow ids and back without a table', () => {
    const id = '1b4e28ba-2fa1-41d2-883f-0016d3cca427';
    expect(taskIdOfWorkflow(workflowIdOfTask(id))).toBe(id);
    expect(taskIdOfWorkflow('DeployNodes:2026-01-01:abc')).toBeUndefined();
    expect(taskIdOfWorkflow('drydock-task-not-a-uuid')).toBeUndefined();
  });

  it("turns Drydock's node filter into ours and refuses a malformed one with its field named", () => {
    expect(parseNodeFilter(null)).toBeUndefined();
    expect(parseNodeFilter({ filter_set_type: 'union', filter_set: [{ filter_type: 'intersection', node_names: ['a'], rack_labels: { k: 'v' } }] })).toEqual({
      filterSetType: 'union',
      filterSet: [{ filterType: 'intersection', nodeNames: ['a'], rackLabels: { k: 'v' }, nodeTags: undefined, nodeLabels: undefined, rackNames: undefined }],
    });
    const bad = (v: unknown): string => {
      try {
        parseNodeFilter(v);
      } catch (err) {
        expect(err).toBeInstanceOf(ApiError);
        return (err as ApiError).message;
      }
      throw new Error('expected a refusal');
    };
    expect(bad({ filter_set_type: 'all', filter_set: [] })).toMatch(/^node_filter\.filter_set_type/);
    expect(bad({ filter_set_type: 'union', filter_set: [{ filter_type: 'union', node_name: ['a'] }] })).toMatch(/node_filter\.filter_set\.0/);
    expect(bad('node01')).toMatch(/^node_filter/);
  });

  it("builds Drydock's validation Status from findings", () => {
    const status = validationStatus([
      { severity: 'error', code: 'storage-sizing', message: 'too big', document: { kind: 'HostProfile', name: 'cp' }, field: 'storage.vg', source: { file: 'site.yaml', line: 12, column: 3 } },
      { severity: 'warning', code: 'mtu-rational', message: 'odd mtu' },
    ]);
    expect(status).toMatchObject({ kind: 'Status', status: 'Failure', code: 400, details: { errorCount: 1 } });
    expect(status.details.messageList[0]).toMatchObject({
      kind: 'ValidationMessage',
      name: 'storage-sizing',
      error: true,
      level: 'Error',
      diagnostic: 'site.yaml:12:3, field storage.vg, rule storage-sizing',
      documents: [{ schema: 'drydock/HostProfile/v1', name: 'cp' }],
    });
    expect(status.details.messageList[1]).toMatchObject({ error: false, level: 'Warning', documents: [] });
    expect(validationStatus([])).toMatchObject({ status: 'Success', code: 200, details: { errorCount: 0, messageList: [] } });
  });

  it('takes X-Auth-Token first, then Authorization: Bearer', () => {
    expect(tokenOf({ 'x-auth-token': 'a', authorization: 'Bearer b' })).toBe('a');
    expect(tokenOf({ authorization: 'Bearer b' })).toBe('b');
    expect(tokenOf({ authorization: 'Basic b' })).toBeUndefined();
    expect(tokenOf({})).toBeUndefined();
  });

  it('reads hashed tokens and reloads the file when it changes; a broken file keeps the last good tokens', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tokens-'));
    const file = join(dir, 'tokens.yaml');
    writeFileSync(file, `tokens:\n  - sha256: ${hashToken('t1')}\n    user: alice\n    project: ops\n    roles: [admin]\n`);
    const warnings: string[] = [];
    const v = new TokenFileVerifier(file, (m) => void warnings.push(m));
    expect(await v.verify('t1')).toMatchObject({ user: 'alice', projectId: 'ops', roles: ['admin'], via: 'token-file' });
    expect(await v.verify('t2')).toBeUndefined();
    writeFileSync(file, `tokens:\n  - sha256: ${hashToken('t2')}\n    user: bob\n    roles: [reader]\n    is_admin_project: true\n`);
    v.reload();
    expect(await v.verify('t1')).toBeUndefined();
    expect(await v.verify('t2')).toMatchObject({ user: 'bob', isAdminProject: true });
    writeFileSync(file, 'tokens:\n  - sha256: nothex\n    user: eve\n');
    v.reload();
    expect(await v.verify('t2')).toMatchObject({ user: 'bob' });
    expect(warnings.join('\n')).toMatch(/keeping the previous tokens: .*sha256 must be 64 hex digits/);
  });

  it('limits requests per caller with a token bucket', () => {
    let now = 0;
    const limiter = new RateLimiter(60, 2, () => now);
    expect(limiter.take('a')).toBeUndefined();
    expect(limiter.take('a')).toBeUndefined();
    expect(limiter.take('a')).toBe(1);
    expect(limiter.take('b')).toBeUndefined();
    now += 1000;
    expect(limiter.take('a')).toBeUndefined();
    expect(new RateLimiter(0).take('a')).toBeUndefined();
  });
});
