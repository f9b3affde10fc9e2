import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildDataUrlFromFlag, redactUrl, resolveBuildDataUrl, urlHasPassword } from '../../../src/builddata/url';

describe('--build-data-url: references and redaction', () => {
  const URL_WITH_PASSWORD = 'postgres://drydock:s3cr3t-pw@db.example:5432/drydock_builddata';

  it('redacts a password in a URL, wherever it is in a text', () => {
    expect(redactUrl(`connect to ${URL_WITH_PASSWORD} failed`)).toBe('connect to postgres://drydock:***@db.example:5432/drydock_builddata failed');
    expect(redactUrl('postgresql://db/x?user=a&password=hunter2')).toBe('postgresql://db/x?user=a&password=***');
    expect(redactUrl('postgres://drydock@db/x')).toBe('postgres://drydock@db/x');
    expect(urlHasPassword(URL_WITH_PASSWORD)).toBe(true);
    expect(urlHasPassword('postgres://drydock@db/x')).toBe(false);
  });

  it('resolves env: and file: references to the URL, and checks the scheme without printing the value', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bd-url-'));
    const file = join(dir, 'url');
    writeFileSync(file, `${URL_WITH_PASSWORD}\n`, { mode: 0o600 });
    expect(resolveBuildDataUrl(`file:${file}`)).toBe(URL_WITH_PASSWORD);
    process.env.TEST_BUILD_DATA_URL = URL_WITH_PASSWORD;
    try {
      expect(resolveBuildDataUrl('env:TEST_BUILD_DATA_URL')).toBe(URL_WITH_PASSWORD);
    } finally {
      delete process.env.TEST_BUILD_DATA_URL;
    }
    expect(() => resolveBuildDataUrl('env:TEST_BUILD_DATA_URL_UNSET')).toThrow(/build-data database URL \(--build-data-url\)/);
    writeFileSync(file, 'mysql://u:other-pw@db/x');
    expect(() => resolveBuildDataUrl(`file:${file}`)).toThrow(`--build-data-url (file:${file}) is not a postgres:// or postgresql:// URL`);
    let message = '';
    try {
      resolveBuildDataUrl(`file:${file}`);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).not.toContain('other-pw');
    expect(() => resolveBuildDataUrl('mysql://u:typed-pw@db/x')).toThrow('--build-data-url mysql://u:***@db/x is not a postgres');
  });

  it('warns about a cleartext password typed on the command line, not one from the environment or a reference', () => {
    const warnings: string[] = [];
    const warn = (m: string): void => void warnings.push(m);
    expect(buildDataUrlFromFlag(URL_WITH_PASSWORD, 'cli', warn)).toBe(URL_WITH_PASSWORD);
    expect(buildDataUrlFromFlag(URL_WITH_PASSWORD, 'env', warn)).toBe(URL_WITH_PASSWORD);
    expect(buildDataUrlFromFlag('postgres://drydock@db/x', 'cli', warn)).toBe('postgres://drydock@db/x');
    expect(buildDataUrlFromFlag(undefined, undefined, warn)).toBeUndefined();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/password on the command line/);
    expect(warnings[0]).not.toContain('s3cr3t-pw');
  });
});
