export default async function globalTeardown(): Promise<void> {
  await globalThis.__drydockDevServer?.stop();
  globalThis.__drydockDevServer = undefined;
}
