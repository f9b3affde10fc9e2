import { createHash } from 'node:crypto';
import { sha256Hex } from '../../../src/contracts/sha256';

describe('sha256Hex (plain code for workflows)', () => {
  it('agrees with node:crypto on the FIPS 180-4 examples, block boundaries and non-ASCII text', () => {
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    const inputs = ['10.1.0.2:623', '127.0.0.1:18000', 'é✓', ...[55, 56, 63, 64, 65, 119, 120, 1000].map((n) => 'x'.repeat(n))];
    for (const s of inputs) expect([s.length, sha256Hex(s)]).toEqual([s.length, createHash('sha256').update(s, 'utf8').digest('hex')]);
  });
});
