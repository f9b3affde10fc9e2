import { InvalidArgumentError } from 'commander';
import { durationMs, listenAddress, wholeNumber } from '../../../src/cli/option-parsers';

describe('CLI option parsers', () => {
  it('wholeNumber accepts whole numbers from its minimum and refuses the rest', () => {
    expect(wholeNumber(1)('1')).toBe(1);
    expect(wholeNumber(1)(' 250 ')).toBe(250);
    expect(wholeNumber(0)('0')).toBe(0);
    for (const bad of ['0', '-1', '1.5', '1e3', '', 'ten', '0x10', '99999999999999999999']) {
      expect(() => wholeNumber(1)(bad)).toThrow(InvalidArgumentError);
    }
    expect(() => wholeNumber(2)('1')).toThrow('expected a whole number of at least 2, e.g. 20.');
  });

  it('durationMs reads ms-style durations and bare milliseconds', () => {
    expect(durationMs('30s')).toBe(30_000);
    expect(durationMs('2m')).toBe(120_000);
    expect(durationMs('1h')).toBe(3_600_000);
    expect(durationMs('500ms')).toBe(500);
    expect(durationMs('0')).toBe(0);
    expect(durationMs('1500')).toBe(1500);
    for (const bad of ['soon', '', '-5s', '30 parsecs']) expect(() => durationMs(bad)).toThrow(InvalidArgumentError);
  });

  it('listenAddress takes IPv4:port and [IPv6]:port, never a host name or a bad port', () => {
    expect(listenAddress('127.0.0.1:9464')).toBe('127.0.0.1:9464');
    expect(listenAddress('0.0.0.0:1')).toBe('0.0.0.0:1');
    expect(listenAddress('[::1]:9464')).toBe('[::1]:9464');
    for (const bad of ['localhost:9464', '127.0.0.1', ':9464', '127.0.0.1:0', '127.0.0.1:65536', '::1:9464', '[127.0.0.1]:9464', '300.1.1.1:80', 'http://127.0.0.1:9464']) {
      expect(() => listenAddress(bad)).toThrow(InvalidArgumentError);
    }
  });
});
