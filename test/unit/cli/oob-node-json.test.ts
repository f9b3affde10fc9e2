import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadNode, nodeFromJsonFile } from '../../../src/cli/commands/oob';
import { CliExit } from '../../../src/cli/exit-codes';

let dir: string;
beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'drydock-node-json-'))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function exitOf(fn: () => unknown): CliExit {
  try {
    fn();
  } catch (err) {
    if (err instanceof CliExit) return err;
    throw err;
  }
  throw new Error('expected a CliExit');
}

describe('drydock oob --node-json', () => {
  it('reads a node model with an oob section, filling what the drivers do not read', () => {
    const path = file('ok.json', JSON.stringify({ name: 'n1', bootMac: '52:54:00:00:00:01', oob: { type: 'redfish', address: '10.0.0.5', account: 'admin', credential: 'env:PW', params: { system_id: 'a' } } }));
    const node = nodeFromJsonFile(path, 'n1');
    expect(node).toMatchObject({ name: 'n1', bootMac: '52:54:00:00:00:01', oob: { type: 'redfish', address: '10.0.0.5', params: { system_id: 'a' } }, interfaces: [] });
    expect(nodeFromJsonFile(file('noparams.json', JSON.stringify({ name: 'n1', oob: { type: 'manual' } })), 'n1').oob.params).toEqual({});
  });

  it.each([
    ['missing.json', null, /cannot read .*missing\.json: ENOENT/],
    ['syntax.json', '{"name": "n1",', /syntax\.json is not valid JSON/],
    ['array.json', '[]', /array\.json: the document must be a JSON object \(a node model\)/],
    ['noname.json', '{"oob": {"type": "ipmi"}}', /noname\.json: name must be a non-empty string/],
    ['other.json', '{"name": "n2", "oob": {"type": "ipmi"}}', /other\.json describes node "n2", not "n1"/],
    ['nooob.json', '{"name": "n1"}', /nooob\.json: oob must be an object/],
    ['notype.json', '{"name": "n1", "oob": {"address": "10.0.0.5"}}', /notype\.json: oob\.type must be a string \(ipmi, redfish or manual\)/],
    ['port.json', '{"name": "n1", "oob": {"type": "ipmi", "port": 70000}}', /port\.json: oob\.port must be a port number \(1-65535\)/],
    ['address.json', '{"name": "n1", "oob": {"type": "ipmi", "address": 10}}', /address\.json: oob\.address must be a string/],
    ['params.json', '{"name": "n1", "oob": {"type": "ipmi", "params": [1]}}', /params\.json: oob\.params must be an object/],
  ])('%s: exits 2 naming the file and the field', (name, text, message) => {
    const path = text === null ? join(dir, name) : file(name, text);
    const exit = exitOf(() => nodeFromJsonFile(path, 'n1'));
    expect(exit.code).toBe(2);
    expect(exit.message).toMatch(message);
  });

  it('needs exactly one of --design and --node-json', async () => {
    await expect(loadNode({ node: 'n1' })).rejects.toThrow('give the site design with --design <path> (or a node model with --node-json <file>)');
    await expect(loadNode({ node: 'n1', design: 'x', nodeJson: 'y' })).rejects.toThrow('give either --design or --node-json, not both');
    await expect(loadNode({ node: 'n1', design: dir })).rejects.toMatchObject({ code: 2, message: expect.stringMatching(/holds no \.yaml or \.yml files|cannot read/) as unknown });
  });
});
