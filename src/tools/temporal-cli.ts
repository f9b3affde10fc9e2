import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';

/**
 * Finds the `temporal` CLI binary, in this order:
 *   1. $TEMPORAL_CLI_PATH
 *   2. `temporal` on PATH
 *   3. a cached build in the cache folder ($DRYDOCK_CACHE_DIR, default ~/.cache/drydock-temporal)
 *   4. a build from the Go module proxy (`go install github.com/temporalio/cli/cmd/temporal@v1.5.1`)
 * The SDK's own automatic download is never used: it needs the internet, which CI does not have.
 */

/** Releases tried with `go install`, newest first. Later releases carry a `replace` directive
 * in their go.mod, which `go install pkg@version` refuses. */
export const GO_INSTALLABLE_RELEASES = ['v1.5.1', 'v1.5.0', 'v1.4.1'] as const;
const GO_PACKAGE = 'github.com/temporalio/cli/cmd/temporal';

export type TemporalCliSource = 'TEMPORAL_CLI_PATH' | 'PATH' | 'cache' | 'go-build';

export interface ResolvedTemporalCli {
  path: string;
  source: TemporalCliSource;
  version: string;
}

export interface ResolveOptions {
  /** Build with Go when nothing else is found (default true). */
  allowBuild?: boolean;
  /** Progress messages for a person watching (default: stderr). */
  log?: (message: string) => void;
  env?: NodeJS.ProcessEnv;
}

export class TemporalCliNotFoundError extends Error {
  override name = 'TemporalCliNotFoundError';
}

export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.DRYDOCK_CACHE_DIR ?? join(homedir(), '.cache', 'drydock-temporal');
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function findOnPath(name: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/** Runs `temporal --version`; undefined when the binary does not run. A `go install` build
 * calls itself 0.0.0-DEV (release builds stamp the version at link time): the module version
 * recorded in the binary's Go build info (`go version -m`) names the release instead. */
export function temporalVersion(path: string): string | undefined {
  const result = spawnSync(path, ['--version'], { encoding: 'utf8', timeout: 30_000 });
  if (result.status !== 0) return undefined;
  const reported = result.stdout.trim();
  if (!reported.includes('0.0.0-DEV')) return reported;
  const release = goModuleVersion(path);
  return release ? reported.replace('0.0.0-DEV', `${release.replace(/^v/, '')} (built with go install)`).replace(') (', ', ') : reported;
}

/** The version of github.com/temporalio/cli a Go binary was built from, when `go` can tell. */
export function goModuleVersion(path: string): string | undefined {
  const info = spawnSync('go', ['version', '-m', path], { encoding: 'utf8', timeout: 30_000 });
  if (info.status !== 0) return undefined;
  return parseGoBuildInfoVersion(info.stdout);
}

export function parseGoBuildInfoVersion(buildInfo: string): string | undefined {
  return /^\s*mod\s+github\.com\/temporalio\/cli\s+(v\d+\.\d+\.\d+\S*)/m.exec(buildInfo)?.[1];
}

async function goInstall(version: string, gobin: string, env: NodeJS.ProcessEnv, log: (m: string) => void): Promise<{ ok: boolean; output: string }> {
  return new Promise((resolve) => {
    const child = spawn('go', ['install', `${GO_PACKAGE}@${version}`], {
      env: { ...env, GOBIN: gobin, GOFLAGS: env.GOFLAGS ?? '-mod=mod' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const started = Date.now();
    const ticker = setInterval(() => log(`  still building temporal ${version} (${Math.round((Date.now() - started) / 1000)} s)...`), 30_000);
    child.on('error', (err) => {
      clearInterval(ticker);
      resolve({ ok: false, output: `${output}\n${err.message}` });
    });
    child.on('close', (code) => {
      clearInterval(ticker);
      resolve({ ok: code === 0, output });
    });
  });
}

export async function resolveTemporalCli(options: ResolveOptions = {}): Promise<ResolvedTemporalCli> {
  const env = options.env ?? process.env;
  const log = options.log ?? ((m: string) => process.stderr.write(`${m}\n`));
  const tried: string[] = [];

  const candidates: Array<{ path: string | undefined; source: TemporalCliSource; label: string }> = [
    { path: env.TEMPORAL_CLI_PATH, source: 'TEMPORAL_CLI_PATH', label: `$TEMPORAL_CLI_PATH (${env.TEMPORAL_CLI_PATH ?? 'not set'})` },
    { path: findOnPath('temporal', env), source: 'PATH', label: 'temporal on PATH' },
    { path: join(cacheDir(env), 'bin', 'temporal'), source: 'cache', label: `cached build ${join(cacheDir(env), 'bin', 'temporal')}` },
  ];
  for (const candidate of candidates) {
    if (!candidate.path) {
      tried.push(`${candidate.label}: not found`);
      continue;
    }
    if (!existsSync(candidate.path)) {
      tried.push(`${candidate.label}: no such file`);
      continue;
    }
    const version = temporalVersion(candidate.path);
    if (version) return { path: candidate.path, source: candidate.source, version };
    tried.push(`${candidate.label}: does not run`);
  }

  const go = findOnPath('go', env);
  if (options.allowBuild !== false && go) {
    const gobin = join(cacheDir(env), 'bin');
    mkdirSync(gobin, { recursive: true });
    for (const release of GO_INSTALLABLE_RELEASES) {
      log(`Building the Temporal CLI ${release} from the Go module proxy into ${gobin}.`);
      log('The first build downloads and compiles the Temporal server: it takes several minutes on 2 cores.');
      const started = Date.now();
      const { ok, output } = await goInstall(release, gobin, env, log);
      const seconds = Math.round((Date.now() - started) / 1000);
      const path = join(gobin, 'temporal');
      const version = ok ? temporalVersion(path) : undefined;
      if (version) {
        log(`Built ${version} in ${seconds} s.`);
        return { path, source: 'go-build', version };
      }
      const tail = output.trim().split('\n').slice(-5).join('\n    ');
      tried.push(`go install ${GO_PACKAGE}@${release}: failed after ${seconds} s:\n    ${tail}`);
      log(`go install ${release} failed; trying the next release.`);
    }
  } else {
    tried.push(options.allowBuild === false ? 'building with Go: not allowed here' : 'building with Go: `go` is not on PATH');
  }

  throw new TemporalCliNotFoundError(
    [
      'No Temporal CLI (`temporal`) could be found or built. Tried:',
      ...tried.map((t) => `  - ${t}`),
      'Provide one of these:',
      '  - put a `temporal` binary on PATH, or',
      '  - set TEMPORAL_CLI_PATH=/path/to/temporal, or',
      `  - install Go (https://go.dev/dl) and run this again: it builds ${GO_PACKAGE}@${GO_INSTALLABLE_RELEASES[0]} into ${join(cacheDir(env), 'bin')}, or`,
      '  - where the internet is reachable, download a release from https://temporal.download/cli.sh or https://github.com/temporalio/cli/releases.',
    ].join('\n'),
  );
}
