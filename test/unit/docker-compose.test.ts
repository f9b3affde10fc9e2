import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { SEARCH_ATTRIBUTES } from '../../src/contracts/search-attributes';
import { REPO_ROOT } from '../support/paths';

// Docker cannot run on this machine: these tests check the production shape by reading the files.
interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  ports?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  command?: string[] | string;
}
const compose = parse(readFileSync(join(REPO_ROOT, 'docker-compose.yml'), 'utf8')) as { services: Record<string, Service> };
const services = compose.services;

describe('docker-compose.yml (parsed, not run: no Docker engine here)', () => {
  it('has PostgreSQL, the Temporal server, its UI, the search-attribute job and the drydock worker', () => {
    expect(Object.keys(services).sort()).toEqual(['drydock-worker', 'postgresql', 'temporal', 'temporal-search-attributes', 'temporal-ui']);
  });

  it('uses pinned images with the schema set up by auto-setup against PostgreSQL', () => {
    expect(services.postgresql.image).toMatch(/^postgres:\d+/);
    expect(services.temporal.image).toMatch(/^temporalio\/auto-setup:\d+\.\d+\.\d+$/);
    expect(services.temporal.environment).toMatchObject({ DB: 'postgres12', POSTGRES_SEEDS: 'postgresql' });
    expect(services['temporal-ui'].image).toMatch(/^temporalio\/ui:\d+\.\d+\.\d+$/);
    for (const name of ['postgresql', 'temporal', 'temporal-search-attributes', 'temporal-ui']) expect(services[name].image).not.toMatch(/:latest$/);
  });

  it('publishes the frontend and the UI on loopback only', () => {
    expect(services.temporal.ports).toEqual(['127.0.0.1:7233:7233']);
    expect(services['temporal-ui'].ports).toEqual(['127.0.0.1:8080:8080']);
    expect(services['temporal-ui'].environment?.TEMPORAL_ADDRESS).toBe('temporal:7233');
  });

  it('starts things in order: database, server, search attributes, then the worker', () => {
    expect(services.temporal.depends_on?.postgresql.condition).toBe('service_healthy');
    expect(services['temporal-ui'].depends_on?.temporal.condition).toBe('service_healthy');
    expect(services['drydock-worker'].depends_on).toEqual({
      temporal: { condition: 'service_healthy' },
      'temporal-search-attributes': { condition: 'service_completed_successfully' },
    });
  });

  it('registers exactly the search attributes the code defines', () => {
    const command = ([] as string[]).concat(services['temporal-search-attributes'].command ?? []).join(' ');
    const names = /for name in ([\w ]+); do/.exec(command)?.[1].trim().split(/\s+/);
    expect(names?.sort()).toEqual(Object.keys(SEARCH_ATTRIBUTES).sort());
  });

  it('builds the worker from the repository Dockerfile on a Debian Node image', () => {
    expect(services['drydock-worker'].build).toEqual({ context: '.', dockerfile: 'Dockerfile' });
    expect(services['drydock-worker'].environment).toMatchObject({ TEMPORAL_ADDRESS: 'temporal:7233', DRYDOCK_TASK_QUEUE: 'drydock' });
    const dockerfile = readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8');
    const bases = [...dockerfile.matchAll(/^FROM\s+(\S+)/gm)].map((m) => m[1]);
    expect(bases.length).toBeGreaterThan(0);
    for (const base of bases) {
      expect(base).toMatch(/^node:20-(bookworm|bullseye|trixie)/);
      expect(base).not.toMatch(/alpine/);
    }
  });
});
