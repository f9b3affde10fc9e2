import { mkdtempSync, symlinkSync, writeFileSync, chmodSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseGoBuildInfoVersion, resolveTemporalCli, TemporalCliNotFoundError } from '../../../src/tools/temporal-cli';

// The real binary the harness uses; every case below points the resolver at it in a different way.
let realCli: string;
beforeAll(async () => {
  realCli = (await resolveTemporalCli({ allowBuild: false, log: () => undefined })).path;
});

function scratch(): string {
  return mkdtempSync(join(tmpdir(), 'drydock-cli-'));
}

describe('Temporal CLI resolution order', () => {
  it('prefers $TEMPORAL_CLI_PATH', async () => {
    const dir = scratch();
    const onPath = join(dir, 'path');
    mkdirSync(onPath);
    symlinkSync(realCli, join(onPath, 'temporal'));
    const cli = await resolveTemporalCli({ allowBuild: false, env: { TEMPORAL_CLI_PATH: realCli, PATH: onPath, DRYDOCK_CACHE_DIR: dir } });
    expect(cli).toMatchObject({ path: realCli, source: 'TEMPORAL_CLI_PATH' });
    expect(cli.version).toMatch(/^temporal version/);
  });

  it('then `temporal` on PATH', async () => {
    const dir = scratch();
    symlinkSync(realCli, join(dir, 'temporal'));
    const cli = await resolveTemporalCli({ allowBuild: false, env: { PATH: dir, DRYDOCK_CACHE_DIR: join(dir, 'cache') } });
    expect(cli).toMatchObject({ path: join(dir, 'temporal'), source: 'PATH' });
  });

  it('then a cached build', async () => {
    const dir = scratch();
    mkdirSync(join(dir, 'bin'));
    symlinkSync(realCli, join(dir, 'bin', 'temporal'));
    const cli = await resolveTemporalCli({ allowBuild: false, env: { PATH: '', DRYDOCK_CACHE_DIR: dir } });
    expect(cli).toMatchObject({ path: join(dir, 'bin', 'temporal'), source: 'cache' });
  });

  it('skips a candidate that does not run and says so when nothing works', async () => {
    const dir = scratch();
    const broken = join(dir, 'temporal');
    writeFileSync(broken, '#!/bin/sh\nexit 3\n');
    chmodSync(broken, 0o755);
    const attempt = resolveTemporalCli({ allowBuild: false, env: { TEMPORAL_CLI_PATH: broken, PATH: '', DRYDOCK_CACHE_DIR: dir } });
    await expect(attempt).rejects.toThrow(TemporalCliNotFoundError);
    await expect(attempt).rejects.toThrow(/\$TEMPORAL_CLI_PATH \(.*temporal\): does not run/);
    await expect(attempt).rejects.toThrow(/put a `temporal` binary on PATH/);
    await expect(attempt).rejects.toThrow(/set TEMPORAL_CLI_PATH/);
    await expect(attempt).rejects.toThrow(/install Go/);
    await expect(attempt).rejects.toThrow(/temporal\.download|github\.com\/temporalio\/cli\/releases/);
  });

  it('reports that Go is missing rather than failing silently', async () => {
    const dir = scratch();
    await expect(resolveTemporalCli({ env: { PATH: dir, DRYDOCK_CACHE_DIR: dir }, log: () => undefined })).rejects.toThrow(/`go` is not on PATH/);
  });
});

describe('the version of a go-install build', () => {
  it('reads the release from the Go build info, and nothing from a binary of another module', () => {
    const info = [
      '/root/.cache/drydock-temporal/bin/temporal: go1.26.8',
      '\tpath\tgithub.com/temporalio/cli/cmd/temporal',
      '\tmod\tgithub.com/temporalio/cli\tv1.5.1\th1:0RZMk14BWxz44Xg6ciDQvpfAMffoG3J7/K03ql80teY=',
      '\tdep\tcel.dev/expr\tv0.23.1\th1:K4KOtPCJQjVggkARsjG9RWXP6O4R73aHeJMa/dmCQQg=',
    ].join('\n');
    expect(parseGoBuildInfoVersion(info)).toBe('v1.5.1');
    expect(parseGoBuildInfoVersion('/usr/bin/x: go1.22\n\tpath\texample.com/x\n\tmod\texample.com/x\tv0.1.0\n')).toBeUndefined();
    expect(parseGoBuildInfoVersion('')).toBeUndefined();
  });
});
