import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { designHash } from '../../../src/design/hash';
import { DesignReadError, readDesignSources } from '../../../src/design/read-files';

describe('readDesignSources', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'drydock-design-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads every .yaml and .yml below a folder, in name order, skipping hidden entries and other files', async () => {
    mkdirSync(join(dir, 'site', 'nodes'), { recursive: true });
    mkdirSync(join(dir, 'site', '.git'));
    writeFileSync(join(dir, 'site', 'b.yaml'), 'b');
    writeFileSync(join(dir, 'site', 'a.YML'), 'a');
    writeFileSync(join(dir, 'site', 'nodes', 'n1.yaml'), 'n1');
    writeFileSync(join(dir, 'site', 'README.md'), 'no');
    writeFileSync(join(dir, 'site', '.hidden.yaml'), 'no');
    writeFileSync(join(dir, 'site', '.git', 'x.yaml'), 'no');
    symlinkSync(join(dir, 'site', 'b.yaml'), join(dir, 'site', 'link.yaml'));
    const sources = await readDesignSources([join(dir, 'site')]);
    expect(sources.map((s) => [s.name.slice(dir.length + 1), s.text])).toEqual([
      ['site/a.YML', 'a'],
      ['site/b.yaml', 'b'],
      ['site/link.yaml', 'b'],
      ['site/nodes/n1.yaml', 'n1'],
    ]);
  });

  it('reads files as given, and standard input for -', async () => {
    writeFileSync(join(dir, 'x.txt'), 'x');
    const sources = await readDesignSources([join(dir, 'x.txt'), '-'], { stdin: Readable.from([Buffer.from('from '), 'stdin']) });
    expect(sources).toEqual([
      { name: join(dir, 'x.txt'), text: 'x' },
      { name: '<stdin>', text: 'from stdin' },
    ]);
  });

  it.each([
    [[], /no design given/],
    [['/nonexistent/site'], /^cannot read \/nonexistent\/site: no such file or folder$/],
  ])('rejects %j', async (paths, message) => {
    await expect(readDesignSources(paths)).rejects.toThrow(message);
  });

  it('rejects a folder without YAML, binary files and non-UTF-8 text', async () => {
    mkdirSync(join(dir, 'empty'));
    await expect(readDesignSources([join(dir, 'empty')])).rejects.toThrow(`the folder ${join(dir, 'empty')} holds no .yaml or .yml files`);
    writeFileSync(join(dir, 'bin.yaml'), Buffer.from([0x61, 0x00, 0x62]));
    await expect(readDesignSources([join(dir, 'bin.yaml')])).rejects.toThrow(DesignReadError);
    writeFileSync(join(dir, 'latin1.yaml'), Buffer.from([0x6e, 0x61, 0x6d, 0x65, 0x3a, 0x20, 0xe9]));
    await expect(readDesignSources([join(dir, 'latin1.yaml')])).rejects.toThrow(/is not UTF-8 text/);
  });

  it('rejects stdin given twice', async () => {
    await expect(readDesignSources(['-', '-'], { stdin: Readable.from(['a']) })).rejects.toThrow(/given twice/);
  });
});

describe('designHash', () => {
  const a = { name: 'a.yaml', text: 'x: 1\ny: 2\n' };
  const b = { name: 'b.yaml', text: 'z: 3\n' };

  it('is a sha256 of the texts, independent of file names and line-end style', () => {
    expect(designHash([a, b])).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(designHash([a, b])).toBe(designHash([{ ...a, name: 'elsewhere/a.yaml' }, b]));
    expect(designHash([a, b])).toBe(designHash([{ ...a, text: '\uFEFFx: 1\r\ny: 2\r\n\r\n' }, b]));
  });

  it('changes with the content and the order of the sources', () => {
    expect(designHash([a, b])).not.toBe(designHash([b, a]));
    expect(designHash([a, b])).not.toBe(designHash([{ ...a, text: 'x: 2\ny: 2\n' }, b]));
    // Length prefixes keep a boundary move from colliding.
    expect(designHash([{ name: '1', text: 'ab' }, { name: '2', text: 'c' }])).not.toBe(designHash([{ name: '1', text: 'a' }, { name: '2', text: 'bc' }]));
  });
});
