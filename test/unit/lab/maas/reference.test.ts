import { describedHandlers, HANDLER_NAMES } from '../../../../lab/maas/describe';
import { Router } from '../../../../lab/maas/router';
import { addMachineRoutes } from '../../../../lab/maas/routes-machines';
import { addMiscRoutes } from '../../../../lab/maas/routes-misc';
import { addNetworkRoutes } from '../../../../lab/maas/routes-network';
import { addStorageRoutes } from '../../../../lab/maas/routes-storage';
import { STATE_RULES } from '../../../../lab/maas/state-rules';
import { STATUS_CODES } from '../../../../lab/maas/state';
import { CHECKED_VERSIONS, concretePath, handlerFor, loadSpec } from '../../../support/maas-reference';

// The MAAS emulator against MAAS's own source (shared/maas-api/real-maas-spec.json), for every
// supported branch from 3.4: each route reaches the handler MAAS routes it to and is one of that
// handler's operations; each state rule allows exactly the states MAAS's handler allows; the
// status labels and codes are MAAS's.
function emulatorRouter(): Router {
  const router = new Router();
  addMiscRoutes(router);
  addNetworkRoutes(router);
  addMachineRoutes(router);
  addStorageRoutes(router);
  return router;
}

const spec = loadSpec();
const routes = emulatorRouter().list();
const templateOf = (r: { method: string; path: string; op: string | null }) => `${r.method} ${r.path}${r.op ? `?op=${r.op}` : ''}`;

describe.each(CHECKED_VERSIONS)('MAAS emulator vs MAAS %s', (branch) => {
  const version = spec.versions[branch];

  it.each(routes.map((r) => [templateOf(r), r] as const))('%s exists in MAAS, on the handler the emulator names', (_t, route) => {
    const found = handlerFor(version, concretePath(route.path));
    expect(found?.handler).toBe(HANDLER_NAMES[route.path]);
    const exports = Object.keys(version.handlers[found!.handler].exports);
    expect(exports).toContain(`${route.method}${route.op ? ` ${route.op}` : ''}`);
  });

  it('every state rule allows the states MAAS allows, and every guarded operation the emulator serves has a rule', () => {
    const label = (key: string) => version.statuses.labels[key];
    const mismatches: string[] = [];
    for (const route of routes) {
      const template = templateOf(route);
      const handler = handlerFor(version, concretePath(route.path))!.handler;
      const exp = version.handlers[handler].exports[`${route.method}${route.op ? ` ${route.op}` : ''}`];
      const guarded = exp.status_guards.length > 0 ? exp.status_guards[0].allowed.map(label).sort() : undefined;
      const ours = STATE_RULES[template]?.states.slice().sort();
      if (JSON.stringify(guarded) !== JSON.stringify(ours)) mismatches.push(`${template}: MAAS ${JSON.stringify(guarded)} (${exp.status_guards[0]?.where ?? exp.where}), emulator ${JSON.stringify(ours)}`);
    }
    for (const template of Object.keys(STATE_RULES)) {
      if (!routes.some((r) => templateOf(r) === template)) mismatches.push(`${template}: a state rule for a route the emulator does not serve`);
    }
    expect(mismatches).toEqual([]);
  });

  it('status labels and codes are MAAS\'s', () => {
    const maas = Object.fromEntries(Object.entries(version.statuses.labels).map(([key, text]) => [text, version.statuses.codes[key]]));
    for (const [name, code] of Object.entries(STATUS_CODES)) expect([name, maas[name]]).toEqual([name, code]);
  });
});

describe('describe/ document of the emulator', () => {
  it('names each handler as MAAS does and lists only operations MAAS 3.4+ has', () => {
    for (const handler of describedHandlers(emulatorRouter())) {
      for (const branch of CHECKED_VERSIONS) {
        const found = handlerFor(spec.versions[branch], concretePath(handler.uri));
        expect([handler.uri, found?.handler]).toEqual([handler.uri, handler.name]);
        for (const action of handler.actions) expect(Object.keys(spec.versions[branch].handlers[handler.name].exports)).toContain(`${action.method}${action.op ? ` ${action.op}` : ''}`);
      }
    }
  });

  it('has the URIs of python-libmaas\'s describe fixtures for the handlers both serve', () => {
    const fixture = spec.libmaas_describe.fixtures['api22.json'].handlers.filter((h) => h.kind === 'auth' || h.name === 'VersionHandler');
    const mismatches = describedHandlers(emulatorRouter())
      .map((h) => ({ h, f: fixture.find((f) => f.name === h.name) }))
      .filter(({ h, f }) => f && f.uri !== h.uri)
      .map(({ h, f }) => `${h.name}: emulator ${h.uri}, MAAS ${f!.uri}`);
    expect(mismatches).toEqual([]);
  });
});
