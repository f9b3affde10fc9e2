import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { SEARCH_ATTRIBUTES } from '../../src/contracts/search-attributes';
import { NUM_HISTORY_SHARDS } from '../../src/tools/temporal-stack-config';
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
// merge: YAML merge keys (<<), which Compose supports.
const compose = parse(readFileSync(join(REPO_ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, Service> };
const services = compose.services;

describe('docker-compose.yml (parsed, not run: no Docker engine here)', () => {
  it('has PostgreSQL, the Temporal server, its UI, the search-attribute job and the drydock worker, plus the certificates job and the codec server', () => {
    expect(Object.keys(services).sort()).toEqual(['certificates', 'codec-server', 'drydock-worker', 'postgresql', 'temporal', 'temporal-search-attributes', 'temporal-ui']);
  });

  it('uses pinned images with the schema set up by auto-setup against PostgreSQL', () => {
    expect(services.postgresql.image).toMatch(/^postgres:\d+/);
    expect(services.temporal.image).toMatch(/^temporalio\/auto-setup:\d+\.\d+\.\d+$/);
    expect(services.temporal.environment).toMatchObject({ DB: 'postgres12', POSTGRES_SEEDS: 'postgresql' });
    expect(services['temporal-ui'].image).toMatch(/^temporalio\/ui:\d+\.\d+\.\d+$/);
    for (const name of ['postgresql', 'temporal', 'temporal-search-attributes', 'temporal-ui']) expect(services[name].image).not.toMatch(/:latest$/);
    expect(services.temporal.image).toBe('temporalio/auto-setup:1.29.1'); // the release the stack builds (TEMPORAL_SERVER_RELEASE)
    expect(services['temporal-ui'].image).toBe('temporalio/ui:2.42.1');
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

  it('matches `drydock stack`: 4 history shards, a frontend that requires client certificates, every client on mTLS', () => {
    const env = services.temporal.environment ?? {};
    expect(env.NUM_HISTORY_SHARDS).toBe(String(NUM_HISTORY_SHARDS));
    expect(env).toMatchObject({ TEMPORAL_TLS_REQUIRE_CLIENT_AUTH: 'true', TEMPORAL_TLS_FRONTEND_CERT: '/certs/server.pem', TEMPORAL_TLS_CLIENT1_CA_CERT: '/certs/ca.pem' });
    for (const name of ['temporal-search-attributes', 'temporal-ui', 'drydock-worker']) {
      expect([name, services[name].environment]).toEqual([name, expect.objectContaining({ TEMPORAL_TLS_CERT: '/certs/client.pem', TEMPORAL_TLS_KEY: '/certs/client.key', TEMPORAL_TLS_CA: '/certs/ca.pem' })]);
    }
    expect(([] as string[]).concat(services.certificates.command ?? []).join(' ')).toContain('stack certs --dir /certs --dns temporal');
  });

  it('serves the codec endpoint to the UI: a codec server with the key set and a token, both as file references', () => {
    expect(services['codec-server'].environment).toEqual({ DRYDOCK_CODEC_KEYS: 'file:/run/secrets/codec-keys', DRYDOCK_CODEC_TOKEN: 'file:/run/secrets/codec-token' });
    expect(services['codec-server'].command).toEqual(expect.arrayContaining(['codec-server', '--ui-origin', 'http://localhost:8080']));
    expect(services['temporal-ui'].environment?.TEMPORAL_CODEC_ENDPOINT).toBe('http://127.0.0.1:8888');
    expect(services['codec-server'].ports).toEqual(['127.0.0.1:8888:8888']);
  });

  it('builds the worker from the repository Dockerfile on a Debian Node image', () => {
    expect(services['drydock-worker'].build).toEqual({ context: '.', dockerfile: 'Dockerfile' });
    expect(services['drydock-worker'].environment).toMatchObject({ TEMPORAL_ADDRESS: 'temporal:7233', DRYDOCK_TASK_QUEUE: 'drydock' });
    expect(services['drydock-worker'].environment?.DRYDOCK_CODEC_KEYS).toMatch(/^file:\//);
    const dockerfile = readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8');
    const bases = [...dockerfile.matchAll(/^FROM\s+(\S+)/gm)].map((m) => m[1]);
    expect(bases.length).toBeGreaterThan(0);
    for (const base of bases) {
      expect(base).toMatch(/^node:20-(bookworm|bullseye|trixie)/);
      expect(base).not.toMatch(/alpine/);
    }
  });
});
