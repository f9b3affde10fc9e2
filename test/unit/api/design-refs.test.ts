import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DesignRefResolver } from '../../../src/api/design-refs';
import { ApiError } from '../../../src/api/errors';

async function refused(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).statusCode).toBe(400);
    return (err as ApiError).message;
  }
  throw new Error('expected a refusal');
}

describe('design references (file and refused schemes; http is in the integration test)', () => {
  const base = mkdtempSync(join(tmpdir(), 'design-refs-'));
  const root = join(base, 'root');
  const outside = join(base, 'outside');
  mkdirSync(join(root, 'site'), { recursive: true });
  mkdirSync(outside);
  writeFileSync(join(root, 'site', 'a.yaml'), 'a: 1\n');
  writeFileSync(join(outside, 'secret.yaml'), 'secret: 1\n');
  symlinkSync(join(outside, 'secret.yaml'), join(root, 'escape.yaml'));
  const resolver = new DesignRefResolver({ roots: [root], allowHosts: [], maxBytes: 100 });

  it('reads files and folders under a root, pinned by content hash', async () => {
    const r = await resolver.resolve(`file://${join(root, 'site')}`);
    expect(r.sources.map((s) => s.text)).toEqual(['a: 1\n']);
    expect(r.ref).toEqual({ type: 'path', paths: [join(root, 'site')], sha256: r.hash });
  });

  it('refuses paths outside the roots, by .., by link, or in a linked folder', async () => {
    expect(await refused(resolver.resolve(`file://${join(outside, 'secret.yaml')}`))).toMatch(/outside the design roots/);
    expect(await refused(resolver.resolve(`file://${root}/../outside/secret.yaml`))).toMatch(/outside the design roots/);
    expect(await refused(resolver.resolve(`file://${join(root, 'escape.yaml')}`))).toMatch(/outside the design roots/);
    expect(await refused(resolver.resolve(`file://${join(root, 'none.yaml')}`))).toMatch(/no such file/);
    expect(await refused(resolver.resolve('file://otherhost/etc/passwd'))).toMatch(/no host/);
  });

  it('refuses too large files, unknown schemes, non-URLs, and files when no root is configured', async () => {
    writeFileSync(join(root, 'big.yaml'), `x: "${'y'.repeat(200)}"\n`);
    expect(await refused(resolver.resolve(`file://${join(root, 'big.yaml')}`))).toMatch(/more than the 100/);
    expect(await refused(resolver.resolve('gopher://x/y'))).toMatch(/scheme "gopher" is not supported/);
    expect(await refused(resolver.resolve('not a url'))).toMatch(/is not a URL/);
    expect(await refused(resolver.resolve(42))).toMatch(/must be a URL/);
    expect(await refused(new DesignRefResolver({ roots: [], allowHosts: [] }).resolve(`file://${join(root, 'site')}`))).toMatch(/reads no files/);
  });

  it('refuses hosts off the allow list and credentials in URLs without a request', async () => {
    expect(await refused(resolver.resolve('http://169.254.169.254/latest/meta-data'))).toMatch(/not on this server's allow list/);
    expect(await refused(resolver.resolve('deckhand+https://deckhand.internal/api/v1.0/revisions/1/rendered-documents'))).toMatch(/not on this server's allow list/);
    const withHost = new DesignRefResolver({ roots: [], allowHosts: ['designs.example.net'] });
    expect(await refused(withHost.resolve('https://user:pw@designs.example.net/site.yaml'))).toMatch(/credentials in the URL are refused/);
    expect(await refused(withHost.resolve('https://user:pw@designs.example.net/site.yaml'))).not.toMatch(/pw/);
  });
});
