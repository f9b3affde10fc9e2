import { templateContext } from '../../../src/bootactions/context';
import { base64Decode, PipelineError, pipelineBytes, runPipeline } from '../../../src/bootactions/pipeline';
import { AssetRenderError, locationUrl, renderBootAction } from '../../../src/bootactions/render';
import type { BootActionModel } from '../../../src/design/model';
import { node, site } from './support';

const text = (t: string) => ({ kind: 'text' as const, text: t });
const bytes = (t: string) => ({ kind: 'bytes' as const, bytes: new TextEncoder().encode(t) });
const decode = (b: Uint8Array) => new TextDecoder().decode(b);

const action = { actionId: '01J00000000000000000000000', actionKey: 'cd'.repeat(32), reportUrl: 'http://api/api/v1.0/bootactions/', designRef: 'file:///site' };

describe('asset pipelines, segment by segment', () => {
  it('base64_encode takes bytes and gives bytes; refuses text', () => {
    expect(decode(pipelineBytes(runPipeline(bytes('Test 1 2 3!'), ['base64_encode'], {})))).toBe('VGVzdCAxIDIgMyE=');
    expect(() => runPipeline(text('x'), ['base64_encode'], {})).toThrow(/needs bytes/);
  });
  it('base64_decode takes bytes or ASCII text, skips line breaks, refuses a bad padding', () => {
    expect(decode(pipelineBytes(runPipeline(bytes('VGVzdCAx\nIDIgMyE='), ['base64_decode'], {})))).toBe('Test 1 2 3!');
    expect(decode(pipelineBytes(runPipeline(text('aGk='), ['base64_decode'], {})))).toBe('hi');
    expect(() => runPipeline(bytes('aGk'), ['base64_decode'], {})).toThrow(/incorrect padding/);
    expect(decode(base64Decode(''))).toBe('');
  });
  it('utf8_decode turns bytes into text, refuses invalid UTF-8 and text', () => {
    expect(runPipeline(bytes('héllo'), ['utf8_decode'], {})).toEqual(text('héllo'));
    expect(() => runPipeline({ kind: 'bytes', bytes: new Uint8Array([0xff, 0xfe]) }, ['utf8_decode'], {})).toThrow(/not valid UTF-8/);
    expect(() => runPipeline(text('x'), ['utf8_decode'], {})).toThrow(/needs bytes/);
  });
  it('utf8_encode turns text into bytes, refuses bytes', () => {
    expect(decode(pipelineBytes(runPipeline(text('héllo'), ['utf8_encode'], {})))).toBe('héllo');
    expect(() => runPipeline(bytes('x'), ['utf8_encode'], {})).toThrow(/needs text/);
  });
  it('template renders text over the context and says to decode bytes first', () => {
    expect(runPipeline(text('{{ a }}'), ['template'], { a: 1 })).toEqual(text('1'));
    expect(() => runPipeline(bytes('{{ a }}'), ['template'], {})).toThrow(/add utf8_decode before it/);
  });
  it('runs segments in order and reports the failing one with the template line', () => {
    const b64 = Buffer.from('#!/bin/sh\necho {{ node.hostname }}\n').toString('base64');
    expect(decode(pipelineBytes(runPipeline(bytes(b64), ['base64_decode', 'utf8_decode', 'template', 'utf8_encode', 'base64_encode'], { node: { hostname: 'n1' } })))).toBe(Buffer.from('#!/bin/sh\necho n1').toString('base64'));
    try {
      runPipeline(text('ok\n{% if %}'), ['template'], {});
      throw new Error('no error');
    } catch (e) {
      expect(e).toBeInstanceOf(PipelineError);
      expect(e).toMatchObject({ segment: 0, segmentName: 'template', line: 2 });
    }
    expect(() => runPipeline(text('x'), ['gzip'], {})).toThrow(/unknown pipeline segment gzip/);
  });
});

describe('the template context', () => {
  it("is Drydock's: hostname, domain, tags, labels, networks (with default), interfaces, action", () => {
    expect(templateContext(node, site, action)).toEqual({
      node: {
        hostname: 'n1',
        domain: 'oam.lab',
        tags: ['compute'],
        labels: { rack: 'r1' },
        network: { oam: { ip: '10.0.0.5', cidr: '10.0.0.0/24', dns_suffix: 'oam.lab' }, default: { ip: '10.0.0.5', cidr: '10.0.0.0/24', dns_suffix: 'oam.lab' }, pxe: { ip: 'dhcp', cidr: '10.1.0.0/24', dns_suffix: null } },
        interfaces: { eth0: { sriov: true, vf_count: 4, trustedmode: true } },
      },
      action: { action_id: action.actionId, action_key: action.actionKey, id: action.actionId, key: action.actionKey, report_url: action.reportUrl, design_ref: action.designRef },
    });
  });
});

describe('rendering a boot action for a node', () => {
  const ba: BootActionModel = {
    name: 'hello',
    signaling: true,
    targetNodes: ['n1'],
    assets: [
      { type: 'unit', path: '/lib/systemd/system/hello.service', permissions: '600', data: '[Service]\nExecStart=/bin/true\n', dataPipeline: ['utf8_decode'], locationPipeline: [] },
      { type: 'file', path: '/var/tmp/report.sh', permissions: '555', data: 'curl -X POST -H "X-Bootaction-Key: {{ action.action_key }}" {{ action.report_url }}{{ action.action_id }}\n', dataPipeline: ['utf8_decode', 'template'], locationPipeline: [] },
      { type: 'file', path: '/etc/fetched', location: 'http://repo/{{ node.hostname }}.conf', locationPipeline: ['template'], dataPipeline: [] },
      { type: 'pkg_list', data: { curl: null }, dataPipeline: [], locationPipeline: [] },
    ],
  };
  it('renders inline data, fetched locations and package lists, with modes (default 0600)', async () => {
    const fetched: string[] = [];
    const out = await renderBootAction(ba, node, site, action, { fetchLocation: async (url) => (fetched.push(url), new TextEncoder().encode('from location')) });
    expect(fetched).toEqual(['http://repo/n1.conf']);
    expect(out.map((a) => [a.type, a.path, a.mode.toString(8), a.bytes && decode(a.bytes), a.packages])).toEqual([
      ['unit', '/lib/systemd/system/hello.service', '600', '[Service]\nExecStart=/bin/true\n', undefined],
      ['file', '/var/tmp/report.sh', '555', `curl -X POST -H "X-Bootaction-Key: ${action.actionKey}" http://api/api/v1.0/bootactions/${action.actionId}`, undefined],
      ['file', '/etc/fetched', '600', 'from location', undefined],
      ['pkg_list', undefined, '600', undefined, { curl: null }],
    ]);
    expect((await renderBootAction(ba, node, site, action, { type: 'unit' })).map((a) => a.path)).toEqual(['/lib/systemd/system/hello.service']);
  });
  it('names the boot action, the asset, the segment and the line of a failure', async () => {
    const bad: BootActionModel = { ...ba, assets: [{ type: 'file', path: '/x', data: 'a\n{{ node.network.nope.ip }}', dataPipeline: ['utf8_decode', 'template'], locationPipeline: [] }] };
    await expect(renderBootAction(bad, node, site, action)).rejects.toThrow(AssetRenderError);
    await expect(renderBootAction(bad, node, site, action)).rejects.toThrow(/^boot action hello, asset 0 \(\/x\), data_pipeline\[1\]: segment template: line 2: .*nope/);
    await expect(renderBootAction(ba, node, site, action, { type: 'file' })).rejects.toThrow(/asset 2 \(\/etc\/fetched\), location: cannot fetch http:\/\/repo\/n1.conf: no location fetcher/);
  });
  it('parses a package list fetched from a location, refusing what is not a mapping', async () => {
    const pk: BootActionModel = { ...ba, assets: [{ type: 'pkg_list', location: 'http://repo/pkgs', locationPipeline: [], dataPipeline: [] }] };
    const ok = await renderBootAction(pk, node, site, action, { fetchLocation: async () => new TextEncoder().encode('curl: ""\njq: "1.6-2"\n') });
    expect(ok[0].packages).toEqual({ curl: null, jq: '1.6-2' });
    await expect(renderBootAction(pk, node, site, action, { fetchLocation: async () => new TextEncoder().encode('- curl\n') })).rejects.toThrow(/top-level mapping/);
  });
});

describe('asset locations', () => {
  it("fetches Drydock's deckhand+http and promenade+http schemes over plain HTTP", () => {
    expect(locationUrl('deckhand+http://dh:9000/api/v1.0/revisions/1')).toBe('http://dh:9000/api/v1.0/revisions/1');
    expect(locationUrl('promenade+https://p/join')).toBe('https://p/join');
    expect(locationUrl('http://x/y')).toBe('http://x/y');
  });
});
