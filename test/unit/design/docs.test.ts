import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CODES, loadDesign } from '../../../src/design';
import { REPO_ROOT } from '../../support/paths';
import { brief } from './support/site';

const doc = (name: string): string => readFileSync(join(REPO_ROOT, 'docs', name), 'utf8');

describe('docs/validation-rules.md', () => {
  const rows = [...doc('validation-rules.md').matchAll(/^\| `([a-z0-9-]+)` \| (error|warning|info) \|/gm)].map((m) => [m[1], m[2]]);

  it('lists every finding code once, with its usual severity', () => {
    expect(rows.map(([code]) => code).sort()).toEqual(Object.keys(CODES).sort());
    for (const [code, severity] of rows) expect(CODES[code as keyof typeof CODES].severity).toBe(severity);
  });
});

describe('docs/design-extensions.md', () => {
  const blocks = [...doc('design-extensions.md').matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]);

  it('has an example of each extension', () => {
    const all = blocks.join('\n');
    for (const field of ['drivers:', 'ssh:', 'switch_ports:', 'address:', 'port:', 'system_id:', 'min_command_gap_ms:']) expect(all).toContain(field);
  });

  it.each(blocks.map((b, i) => [i + 1, b]))('example %i is accepted', (_i, text) => {
    const loaded = loadDesign([{ name: 'example.yaml', text }]);
    expect(brief(loaded.findings)).toEqual([]);
    expect(loaded.documents).toHaveLength(1);
  });
});
