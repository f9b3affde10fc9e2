import { parseTemplate, renderTemplate, TemplateError } from '../../../src/bootactions/template';

const ctx = {
  node: { hostname: 'n1', domain: 'lab.local', tags: ['compute', 'gpu'], labels: { rack: 'r1', zone: 'a' }, network: { oam: { ip: '10.0.0.5', cidr: '10.0.0.0/24', dns_suffix: 'oam.local' } } },
  action: { action_id: '01J00000000000000000000000', action_key: 'ab'.repeat(32), report_url: 'http://api:9000/api/v1.0/bootactions/', design_ref: 'deckhand+http://d/revisions/1/rendered-documents' },
};

function err(tpl: string, limits = {}): TemplateError {
  try {
    renderTemplate(tpl, ctx, limits);
  } catch (e) {
    if (e instanceof TemplateError) return e;
    throw e;
  }
  throw new Error(`rendered without error: ${tpl}`);
}

describe('the boot-action template engine (a Jinja2 subset)', () => {
  it.each([
    ['{{ node.hostname }}.{{ node.domain }}', 'n1.lab.local'],
    ["{{ node.network.oam.ip }} {{ node.network['oam'].cidr }} {{ node.network.oam.dns_suffix }}", '10.0.0.5 10.0.0.0/24 oam.local'],
    ['{% for t in node.tags %}{{ loop.index }}:{{ t }}{% if not loop.last %},{% endif %}{% endfor %}', '1:compute,2:gpu'],
    ['{% for k, v in node.labels.items() %}{{ k }}={{ v }};{% endfor %}', 'rack=r1;zone=a;'],
    ['{{ action.report_url }}{{ action.action_id }}', 'http://api:9000/api/v1.0/bootactions/01J00000000000000000000000'],
    ['{{ "a b/c" | urlencode }}', 'a%20b/c'],
    ["{{ node.missing | default('none') }}|{{ node.missing }}|{{ 'gpu' in node.tags }}|{{ node.tags | join(',') | upper }}", 'none||True|COMPUTE,GPU'],
    ['{% set x = 2 * 3 + 1 %}{{ x }} {{ 7 // 2 }} {{ 7 % 3 }} {{ "ab" ~ 1 }} {{ [1, 2] }} {{ none }}', '7 3 1 ab1 [1, 2] None'],
    ["{{ 'y' if node.tags | length > 1 else 'n' }}{% if node.hostname == 'n2' %}A{% elif node.hostname is defined %}B{% else %}C{% endif %}", 'yB'],
    ['{% for i in range(3) if i != 1 %}{{ i }}{% else %}empty{% endfor %}{% for i in [] %}x{% else %}empty{% endfor %}', '02empty'],
    ['a\n  {%- if true -%}\n  b\n{%- endif %}\n', 'ab'],
    ['{# a comment #}{% raw %}{{ not rendered }}{% endraw %}', '{{ not rendered }}'],
    ['{{ node.labels | tojson }} {{ node.hostname | b64encode }}', '{"rack":"r1","zone":"a"} bjE='],
  ])('renders %j', (tpl, expected) => {
    expect(renderTemplate(tpl, ctx)).toBe(expected);
  });

  it('drops one trailing newline of the template, as Jinja2 does by default', () => {
    expect(renderTemplate('x\n\n', ctx)).toBe('x\n');
  });

  it('names the line of a syntax error and of a render error', () => {
    expect(err('a\nb\n{% if x %}\n')).toMatchObject({ kind: 'syntax', line: 3 });
    expect(err('a\n{{ node.nothing.ip }}')).toMatchObject({ kind: 'render', line: 2 });
    expect(err('a\n{{ node.nothing.ip }}').message).toMatch(/line 2: .*has no attribute 'nothing'/);
    expect(() => parseTemplate('{{ 1 +  }}')).toThrow(/line 1: unexpected/);
  });

  describe('sandbox', () => {
    it.each([
      '{{ node.constructor }}',
      '{{ node.__proto__ }}',
      "{{ node['__proto__'] }}",
      '{{ node.hostname.constructor }}',
      '{{ node.tags.constructor }}',
      '{{ process }}',
      '{{ require }}',
      '{{ globalThis }}',
      '{{ this }}',
      '{{ __class__ }}',
    ])('%s reaches nothing (renders empty)', (tpl) => {
      expect(renderTemplate(tpl, ctx)).toBe('');
    });

    it.each([
      ['{{ node.hostname.constructor.constructor("return process")() }}', /undefined|can be called/],
      ["{{ ''.__class__.__mro__ }}", /undefined/],
      ['{{ process.env.HOME }}', /'process' is undefined/],
      ["{{ process.mainModule.require('child_process') }}", /'process' is undefined/],
      ['{{ node.hostname.toString() }}', /no method 'toString'/],
      ['{{ node.labels.hasOwnProperty("rack") }}', /no method 'hasOwnProperty'/],
      ['{{ lipsum.__globals__ }}', /undefined/],
      ['{% set __proto__ = 1 %}', /not allowed/],
      ["{% include '/etc/passwd' %}", /not available/],
      ["{% import 'os' as os %}", /not available/],
      ["{% extends 'base' %}", /not available/],
    ])('%s is refused', (tpl, message) => {
      expect(err(tpl).message).toMatch(message);
    });

    it('does not let a template change the context it was given', () => {
      const data = { node: { tags: ['a'] } };
      renderTemplate('{% set node = 1 %}{{ node }}', data);
      expect(data).toEqual({ node: { tags: ['a'] } });
      expect(Object.prototype).not.toHaveProperty('polluted');
      renderTemplate('{% set x = {"__proto__": {"polluted": 1}} %}{{ x }}', data);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });

    it('does not see functions or class instances put in the context', () => {
      expect(renderTemplate('[{{ f }}][{{ d }}]', { f: () => 'secret', d: new Date() })).toBe('[][]');
      expect(() => renderTemplate('{{ f.call }}', { f: () => 'secret' })).toThrow(/undefined/);
    });

    it.each([
      ['{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}', /steps/],
      ["{{ 'a' * 100000000 }}", /characters/],
      ['{% for i in range(1000000000) %}{% endfor %}', /characters/],
      ["{% set s = 'x' * 1000 %}{% for i in range(100000) %}{{ s }}{% endfor %}", /characters|steps/],
      ["{% set s = 'xx' %}{% for i in range(40) %}{% set s = s ~ s %}{% endfor %}", /characters|steps/],
      ['{{ 10 ** 100000 }}', /too large/],
      ["{% set l = range(100000) | list %}{% for i in range(100000) %}{{ 99999 in l }}{% endfor %}", /steps/],
      ["{% set l = range(100000) | list %}{% for i in range(100000) %}{% set u = l | unique %}{% endfor %}", /steps/],
      ["{% set s = 'x' * 900000 %}{% for i in range(100000) %}{% set t = s ~ i %}{% endfor %}", /steps/],
      ["{% set l = range(100000) | list %}{% for i in range(100000) %}{{ l == l }}{% endfor %}", /steps/],
      ["{{ ['x' * 100000] * 100000 }}", /characters|steps/],
      ["{{ (['x' * 100000] * 100000) | tojson }}", /characters|steps/],
      ["{{ (['x' * 100000] * 100000) | join(',') }}", /characters|steps/],
      ["{{ range(100000) | join('y' * 100000) }}", /characters|steps/],
      ["{{ ('a' * 100000) | replace('a', 'b' * 100000) }}", /characters/],
      ["{{ ('a' * 100000).replace('a', 'bb' * 100000) }}", /characters/],
      ["{{ ('\\n' * 100000) | indent('z' * 100000) }}", /characters/],
      [`{{ ${'('.repeat(500)}1${')'.repeat(500)} }}`, /nested/],
      [`${'{% if true %}'.repeat(300)}${'{% endif %}'.repeat(300)}`, /nested/],
    ])('bounds template %#', (tpl, message) => {
      const e = err(tpl, { maxSteps: 200_000, maxOutputChars: 1_000_000 });
      expect(e.kind).toBe('limit');
      expect(e.message).toMatch(message);
    });

    it('stops at a wall-clock timeout when given a clock', () => {
      let t = 0;
      const e = err('{% for i in range(100000) %}{% endfor %}', { timeoutMs: 5, now: () => (t += 1) });
      expect(e.message).toMatch(/longer than 5 ms/);
    });
  });
});
