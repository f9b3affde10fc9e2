import { createHash, createHmac, randomBytes } from 'node:crypto';
import { fingerprintOf, knownKeysFor, normaliseFingerprint, parseKnownHosts } from '../../../../../src/drivers/network/linux-bridge/host-keys';

const keyA = 'AAAAC3NzaC1lZDI1NTE5AAAAIHbO0Zo4lDNRA0SmDZ8fQYvQXFqEkmWqzUuf0jHjb2kA';
const keyB = 'AAAAC3NzaC1lZDI1NTE5AAAAIGq1m0Vbb7a/9m5U3cSLGQ5GLh1SnZz2d3dJSBQd3rXU';

function hashed(name: string): string {
  const salt = randomBytes(20);
  return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
}

describe('host key verification data: fingerprints and known_hosts', () => {
  it('computes and normalises OpenSSH SHA256 fingerprints', () => {
    const blob = Buffer.from(keyA, 'base64');
    const fp = fingerprintOf(blob);
    expect(fp).toBe(`SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`);
    expect(normaliseFingerprint(`${fp}=`)).toBe(fp);
    expect(normaliseFingerprint('MD5:aa:bb')).toBeNull();
    expect(normaliseFingerprint('SHA256:short')).toBeNull();
  });

  it('matches plain, hashed, [host]:port, wildcard and negated entries, and keeps @revoked keys apart', () => {
    const entries = parseKnownHosts([
      '# comment',
      `10.0.0.2,leaf01 ssh-ed25519 ${keyA}`,
      `${hashed('[10.0.0.3]:2222')} ssh-ed25519 ${keyB}`,
      `10.0.1.*,!10.0.1.9 ssh-ed25519 ${keyB}`,
      `@revoked * ssh-ed25519 ${keyB}`,
      `@cert-authority *.example ssh-ed25519 ${keyA}`,
      'garbage',
    ].join('\n'));
    expect(knownKeysFor(entries, '10.0.0.2', 22).accepted.map((k) => k.line)).toEqual([2]);
    expect(knownKeysFor(entries, '10.0.0.2', 2222).accepted).toEqual([]);
    expect(knownKeysFor(entries, '10.0.0.3', 2222).accepted.map((k) => k.line)).toEqual([3]);
    expect(knownKeysFor(entries, '10.0.0.3', 22).accepted).toEqual([]);
    expect(knownKeysFor(entries, '10.0.1.5', 22).accepted.map((k) => k.line)).toEqual([4]);
    expect(knownKeysFor(entries, '10.0.1.9', 22).accepted).toEqual([]);
    expect(knownKeysFor(entries, '10.0.0.2', 22).revoked).toEqual([Buffer.from(keyB, 'base64')]);
  });
});
