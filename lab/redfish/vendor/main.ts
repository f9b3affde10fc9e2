import { PROFILES } from './profiles';
import { startVendorRedfish } from './server';

/**
 * Runs the vendor-profile Redfish service on its own:
 *   npx tsx lab/redfish/vendor/main.ts ../shared/redfish-payloads/libredfish/lenovo [--port 8000] [--profile lenovo]
 *     [--power-delay-ms 2000] [--busy-window-ms 5000] [--tls]
 * Credentials: REDFISH_LAB_USER / REDFISH_LAB_PASSWORD (default admin / password). Ctrl-C stops it.
 */
async function main(argv: string[]): Promise<void> {
  const [treeDir, ...rest] = argv;
  if (!treeDir || treeDir.startsWith('-')) {
    process.stderr.write(`usage: main.ts TREE_DIR [--port N] [--profile ${Object.keys(PROFILES).join('|')}] [--power-delay-ms N] [--busy-window-ms N] [--tls]\n`);
    process.exit(2);
  }
  const opt = (name: string): string | undefined => {
    const i = rest.indexOf(name);
    return i >= 0 ? rest[i + 1] : undefined;
  };
  const num = (name: string): number | undefined => {
    const v = opt(name);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) {
      process.stderr.write(`${name}: not a whole number: ${v}\n`);
      process.exit(2);
    }
    return n;
  };
  const svc = await startVendorRedfish({
    treeDir,
    profile: opt('--profile'),
    port: num('--port'),
    powerDelayMs: num('--power-delay-ms'),
    busyWindowMs: num('--busy-window-ms'),
    tls: rest.includes('--tls'),
    credentials: { username: process.env.REDFISH_LAB_USER ?? 'admin', password: process.env.REDFISH_LAB_PASSWORD ?? 'password' },
  });
  process.stdout.write(`${svc.profile.family} profile serving ${treeDir} at ${svc.url}/redfish/v1 (Systems: ${svc.systems.join(', ')}); writes at ${svc.url}/lab/requests\n`);
  const stop = (): void => void svc.stop().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main(process.argv.slice(2)).catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
