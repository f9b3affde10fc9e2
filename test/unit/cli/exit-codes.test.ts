import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { COMPONENTS, DriverError, ERROR_KINDS, type Component, type ErrorKind } from '../../../src/drivers/errors';
import { DRIVER_ERROR_KINDS, EXIT, EXIT_CODES_HELP, EXIT_FOR_KIND, exitCodeForDriverError } from '../../../src/cli/exit-codes';
import { REPO_ROOT } from '../../support/paths';

// The kinds come from the taxonomy's own list (ERROR_KINDS), so a kind added there without an
// exit code fails here.
const KINDS = Object.keys(ERROR_KINDS) as ErrorKind[];

describe('the one driver error -> exit code mapping', () => {
  it('has an exit code for every DriverError kind, and nothing else', () => {
    expect(KINDS.length).toBeGreaterThan(0);
    expect(Object.keys(EXIT_FOR_KIND).sort()).toEqual([...KINDS].sort());
    expect([...DRIVER_ERROR_KINDS].sort()).toEqual([...KINDS].sort());
  });

  it.each(KINDS)('maps %s to a documented code, the same for every component', (kind) => {
    const codes = (Object.keys(COMPONENTS) as Component[]).map((c) => exitCodeForDriverError(new DriverError(c, kind, `a ${kind} error`)));
    expect(new Set(codes).size).toBe(1);
    expect([EXIT.failure, EXIT.badInput, EXIT.unreachable]).toContain(codes[0]);
  });

  it('follows the README: bad input 2, unreachable 3, a service that answered and refused 1', () => {
    expect(EXIT_FOR_KIND).toEqual({
      Unreachable: 3,
      Timeout: 3,
      Busy: 1,
      AuthFailed: 1,
      Unsupported: 1,
      InvalidRequest: 2,
      NotFound: 2,
      OperationFailed: 1,
    });
  });

  it('documents every exit code in the README and in --help', () => {
    const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
    const paragraph = /Exit codes:[\s\S]*?\n\n/.exec(readme)?.[0].replace(/\s+/g, ' ') ?? '';
    for (const code of Object.values(EXIT)) {
      expect(EXIT_CODES_HELP).toContain(` ${code} `);
      expect(paragraph).toContain(` ${code} `);
    }
    expect(paragraph).toContain('4 nothing failed but some nodes were skipped');
  });
});
