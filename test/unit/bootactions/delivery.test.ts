import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { nodeAssets, postReport, prepareNodeBootActions } from '../../../src/bootactions/delivery';
import { actionKey, hashKey, newNodeKey, newUlid, ULID_PATTERN, verifyKey } from '../../../src/bootactions/keys';
import { handleReport, parseReport, type BootActionRecord } from '../../../src/bootactions/reports';
import { MemoryBootActionStore } from '../../../src/bootactions/store';
import { buildTarball } from '../../../src/bootactions/tar';
import { bootActionUserData, FETCH_SCRIPT_PATH } from '../../../src/bootactions/userdata';
import type { BootActionModel } from '../../../src/design/model';
import type { SiteContext } from '../../../src/contracts/site-context';
import { node, site as baseSite } from './support';

const hello: BootActionModel = {
  name: 'hello',
  signaling: true,
  targetNodes: ['n1'],
  assets: [
    { type: 'unit', path: '/lib/systemd/system/hello.service', permissions: '644', data: '[Service]\nExecStart=/var/tmp/hello.sh\n', dataPipeline: ['utf8_decode'], locationPipeline: [] },
    { type: 'file', path: '/var/tmp/hello.sh', permissions: '0755', data: '#!/bin/sh\ncurl -H "X-Bootaction-Key: {{ action.action_key }}" {{ action.report_url }}{{ action.action_id }}\n', dataPipeline: ['utf8_decode', 'template'], locationPipeline: [] },
    { type: 'pkg_list', data: { curl: null, jq: '1.6-2' }, dataPipeline: [], locationPipeline: [] },
  ],
};
const quiet: BootActionModel = { name: 'quiet', signaling: false, targetNodes: ['n1'], assets: [{ type: 'file', path: '/etc/quiet', data: 'q', dataPipeline: [], locationPipeline: [] }] };
const site = { ...baseSite, bootActions: { hello, quiet } } as SiteContext;
const n1 = { ...node, bootActions: ['hello', 'quiet'] };

/** Lists a tarball with GNU tar, a real reader that is not ours. */
function listTar(tgz: Buffer): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'ba-tar-'));
  try {
    writeFileSync(join(dir, 'a.tgz'), tgz);
    return execFileSync('tar', ['-tvzf', join(dir, 'a.tgz'), '--numeric-owner'], { encoding: 'utf8' }).trim().split('\n').map((l) => l.replace(/\s+/g, ' ').replace(/ \d{4}-\d\d-\d\d \d\d:\d\d/, ''));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('ids and keys', () => {
  it('makes ULIDs that sort by time and are unique', () => {
    const a = newUlid(1_700_000_000_000);
    const b = newUlid(1_700_000_000_001);
    expect(a).toMatch(ULID_PATTERN);
    expect(a < b).toBe(true);
    expect(new Set(Array.from({ length: 1000 }, () => newUlid())).size).toBe(1000);
    expect(newUlid(0, new Uint8Array(10))).toBe('0'.repeat(26));
  });
  it('derives a key per boot action, stores only hashes, and refuses a wrong or missing key', () => {
    const nodeKey = newNodeKey();
    expect(nodeKey).toMatch(/^[0-9a-f]{64}$/);
    const k1 = actionKey(nodeKey, 'A');
    expect(k1).not.toBe(actionKey(nodeKey, 'B'));
    expect(k1).not.toBe(nodeKey);
    const stored = hashKey(k1);
    expect(stored).not.toContain(k1);
    expect(verifyKey(k1, stored)).toBe('ok');
    expect(verifyKey(k1.toUpperCase(), stored)).toBe('ok');
    expect(verifyKey(actionKey(nodeKey, 'B'), stored)).toBe('invalid');
    expect(verifyKey(nodeKey, stored)).toBe('invalid');
    expect(verifyKey('zz', stored)).toBe('invalid');
    expect(verifyKey('', stored)).toBe('missing');
    expect(verifyKey(undefined, stored)).toBe('missing');
  });
});

describe('the assets tarball', () => {
  it('holds each file at its path with its mode, owned by root, readable by GNU tar', () => {
    const long = `/opt/${'d'.repeat(120)}/${'f'.repeat(90)}`;
    const longer = `/opt/${'x'.repeat(200)}`;
    const tgz = buildTarball([
      { path: '/etc/motd', mode: 0o644, bytes: new TextEncoder().encode('hello\n') },
      { path: '/usr/local/bin/run', mode: 0o4755, bytes: new Uint8Array(0) },
      { path: long, mode: 0o600, bytes: new Uint8Array(700) },
      { path: longer, mode: 0o600, bytes: new Uint8Array(1) },
    ]);
    expect(listTar(tgz)).toEqual([`-rw-r--r-- 0/0 6 etc/motd`, `-rwsr-xr-x 0/0 0 usr/local/bin/run`, `-rw------- 0/0 700 ${long.slice(1)}`, `-rw------- 0/0 1 ${longer.slice(1)}`]);
    expect(buildTarball([{ path: '/a', mode: 0o600, bytes: new Uint8Array(1) }]).equals(buildTarball([{ path: '/a', mode: 0o600, bytes: new Uint8Array(1) }]))).toBe(true);
    expect(() => buildTarball([{ path: '/etc/../root/x', mode: 0o600, bytes: new Uint8Array(0) }])).toThrow(/not a file path/);
  });
});

describe('user data', () => {
  it("carries the packages as Drydock's does, and a root-only script that fetches, unpacks and enables", () => {
    const ud = bootActionUserData({ hostname: 'n1', apiUrl: 'http://api:9000/api/v1.0/', nodeKey: 'ab'.repeat(32), packages: ['curl', ['jq', '1.6-2']], hasUnits: true, hasFiles: true })!;
    expect(ud.startsWith('#cloud-config\n')).toBe(true);
    const cfg = parse(ud) as { packages: unknown; write_files: Array<{ path: string; permissions: string; content: string }>; runcmd: unknown };
    expect(cfg.packages).toEqual(['curl', ['jq', '1.6-2']]);
    expect(cfg.runcmd).toEqual([['sh', FETCH_SCRIPT_PATH]]);
    expect(cfg.write_files[0]).toMatchObject({ path: FETCH_SCRIPT_PATH, permissions: '0700' });
    const script = cfg.write_files[0].content;
    expect(script).toContain("BASE='http://api:9000/api/v1.0/bootactions/nodes/n1'");
    expect(script).toMatch(/curl -fsS -H @\/var\/lib\/drydock\/bootaction-key.header /);
    expect(script).toContain(`printf 'X-Bootaction-Key: %s\\n' '${'ab'.repeat(32)}' > /var/lib/drydock/bootaction-key.header`);
    expect(script).toMatch(/fetch files\nfetch units\nsystemctl daemon-reload/);
    expect(script).toMatch(/systemctl enable "\$\(basename "\$u"\)"/);
    execFileSync('sh', ['-n', '-c', script]);
    expect(bootActionUserData({ hostname: 'n1', apiUrl: 'x', nodeKey: 'ab', packages: [], hasUnits: false, hasFiles: false })).toBeUndefined();
    expect(bootActionUserData({ hostname: 'n1', apiUrl: 'x', nodeKey: 'ab', packages: ['curl'], hasUnits: false, hasFiles: false })).toBe('#cloud-config\npackages:\n  - curl\n');
  });
});

describe('reports, as a state machine', () => {
  const key = actionKey('11'.repeat(32), 'A1');
  const rec: BootActionRecord = { actionId: 'A1', actionName: 'hello', nodeName: 'n1', taskId: 't1', keyHash: hashKey(key), signaling: true, status: 'incomplete', details: [] };
  it("accepts Drydock's body: status Success/Failure (either case), details with message and error", () => {
    expect(parseReport({ status: 'success', details: [{ message: 'm', error: false, step: 3 }] })).toEqual({ ok: true, value: { status: 'success', details: [{ message: 'm', error: false, extra: { step: 3 } }] } });
    expect(parseReport({ status: 'Failure' })).toEqual({ ok: true, value: { status: 'failure', details: [] } });
    for (const bad of [null, [], { status: 'done' }, { other: 1 }, { details: {} }, { details: [{ message: 'm' }] }, { details: [{ message: 1, error: true }] }]) expect(parseReport(bad).ok).toBe(false);
  });
  it('answers with Drydock\'s codes: 404, 401, 403, 400, then 409 once final', () => {
    expect(handleReport(undefined, key, {}, 't').status).toBe(404);
    expect(handleReport(rec, undefined, {}, 't').status).toBe(401);
    expect(handleReport(rec, actionKey('11'.repeat(32), 'A2'), {}, 't').status).toBe(403);
    expect(handleReport(rec, key, { status: 'maybe' }, 't').status).toBe(400);
    const progress = handleReport(rec, key, { details: [{ message: 'step 1', error: false }] }, 't1');
    if (progress.status !== 200) throw new Error(JSON.stringify(progress));
    expect(progress.record.status).toBe('incomplete');
    const done = handleReport(progress.record, key, { status: 'Success', details: [{ message: 'done', error: false }] }, 't2');
    if (done.status !== 200) throw new Error(JSON.stringify(done));
    expect(done.body).toEqual({ node_name: 'n1', task_id: 't1', action_id: 'A1', action_name: 'hello', action_status: 'success', details: [{ message: 'step 1', error: false, at: 't1' }, { message: 'done', error: false, at: 't2' }] });
    expect(done.body).not.toHaveProperty('keyHash');
    expect(handleReport(done.record, key, { details: [{ message: 'late', error: false }] }, 't3')).toEqual({ status: 409, body: { message: 'Action A1 status finalized, not available for update.' } });
    expect(handleReport({ ...rec, signaling: false, status: 'unreported' }, key, { status: 'success' }, 't').status).toBe(409);
  });
});

describe('per-node delivery through a store', () => {
  it('prepares ids and hashed keys, serves the tarballs for the node key, and takes one final report', async () => {
    const store = new MemoryBootActionStore();
    const prepared = await prepareNodeBootActions(store, { node: n1, site, taskId: 'deploy:lab:1', designRef: 'file:///site', apiUrl: 'http://api:9000/api/v1.0' });
    expect(prepared.actions.map((a) => [a.name, a.signaling])).toEqual([['hello', true], ['quiet', false]]);
    expect(JSON.stringify(prepared.actions)).not.toMatch(/[0-9a-f]{64}/);
    const fetchScript = (parse(prepared.userData!) as { write_files: Array<{ content: string }> }).write_files[0].content;
    const nodeKey = / '([0-9a-f]{64})' > /.exec(fetchScript)![1];
    expect(JSON.stringify(await store.getNodeContext('n1'))).not.toContain(nodeKey);
    expect(parse(prepared.userData!)).toMatchObject({ packages: ['curl', ['jq', '1.6-2']] });

    const loadDesign = async () => ({ site, node: n1 });
    const get = (type: 'unit' | 'file', presentedKey?: string) => nodeAssets(store, { hostname: 'n1', type, presentedKey, loadDesign, reportUrl: 'http://api:9000/api/v1.0/bootactions/' });
    expect((await get('unit')).status).toBe(401);
    expect((await get('unit', newNodeKey())).status).toBe(403);
    expect((await nodeAssets(store, { hostname: 'n9', type: 'unit', presentedKey: nodeKey, loadDesign, reportUrl: '' })).status).toBe(404);
    const units = await get('unit', nodeKey);
    if (units.status !== 200) throw new Error(JSON.stringify(units.body));
    expect(units.filename).toBe('n1-unit.tar.gz');
    expect(listTar(units.body)).toEqual(['-rw-r--r-- 0/0 38 lib/systemd/system/hello.service']);
    const files = await get('file', nodeKey);
    if (files.status !== 200) throw new Error(JSON.stringify(files.body));
    expect(listTar(files.body).map((l) => l.replace(/ \d+ /, ' N '))).toEqual(['-rwxr-xr-x 0/0 N var/tmp/hello.sh', '-rw------- 0/0 N etc/quiet']);

    const dir = mkdtempSync(join(tmpdir(), 'ba-x-'));
    try {
      writeFileSync(join(dir, 'f.tgz'), files.body);
      execFileSync('tar', ['-xzf', join(dir, 'f.tgz'), '-C', dir]);
      expect(statSync(join(dir, 'var/tmp/hello.sh')).mode & 0o777).toBe(0o755);
      const script = readFileSync(join(dir, 'var/tmp/hello.sh'), 'utf8');
      const [, key, id] = /X-Bootaction-Key: ([0-9a-f]{64})" http:\/\/api:9000\/api\/v1.0\/bootactions\/([0-9A-Z]{26})/.exec(script)!;
      expect(id).toBe(prepared.actions[0].actionId);
      expect(key).toBe(actionKey(nodeKey, id));

      expect((await postReport(store, id, nodeKey, { status: 'Success' })).status).toBe(403);
      const ok = await postReport(store, id, key, { status: 'Success', details: [{ message: 'hello ran', error: false }] });
      expect(ok.status).toBe(200);
      expect((await store.getAction(id))?.status).toBe('success');
      expect((await postReport(store, id, key, { status: 'Failure' })).status).toBe(409);
      expect((await postReport(store, prepared.actions[1].actionId, actionKey(nodeKey, prepared.actions[1].actionId), { status: 'Success' })).status).toBe(409);
      expect((await postReport(store, 'nope', key, {})).status).toBe(404);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
