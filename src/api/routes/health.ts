import type { z } from 'zod';
import type { ApiServerDeps } from '../server';
import * as S from '../schemas';
import type { ServiceProbe } from '../site-services';
import { type ApiApp, V1 } from './app';

type HealthBody = z.infer<typeof S.healthStatus>;

/** `/versions`, and `/health` (open) and `/health/extended` over Temporal and the site's services. */
export function registerHealthRoutes(app: ApiApp, deps: Pick<ApiServerDeps, 'drydock' | 'probes'>): void {
  app.get('/versions', { schema: { response: { 200: S.versions } } }, async () => ({ 'v1.0': { path: V1, status: 'stable' } }));

  async function healthCheck(): Promise<{ healthy: boolean; body: HealthBody }> {
    const probes: ServiceProbe[] = [
      {
        name: `Temporal at ${deps.drydock.settings.address}`,
        async check() {
          try {
            await deps.drydock.client.workflowService.describeNamespace({ namespace: deps.drydock.settings.namespace });
            return { ok: true, message: `namespace ${deps.drydock.settings.namespace} answers` };
          } catch (err) {
            return { ok: false, message: err instanceof Error ? err.message : String(err) };
          }
        },
      },
      ...(deps.probes ?? []),
    ];
    const results = await Promise.all(probes.map(async (p) => ({ name: p.name, ...(await p.check()) })));
    const messageList = results.map((r) => ({ message: `${r.name}: ${r.ok ? 'ok' : 'unavailable'}: ${r.message}`, error: !r.ok, kind: 'SimpleMessage', service: r.name, state: r.ok ? 'up' : 'down' }));
    const errorCount = messageList.filter((m) => m.error).length;
    return {
      healthy: errorCount === 0,
      body: {
        kind: 'Status' as const,
        apiVersion: 'v1.0',
        metadata: {},
        status: errorCount ? ('Failure' as const) : ('Success' as const),
        message: errorCount ? 'Drydock failed to respond' : '',
        reason: 'HealthCheck',
        details: { errorCount, messageList },
        code: errorCount ? 503 : 200,
      },
    };
  }

  app.get(`${V1}/health`, {}, async (_req, reply) => {
    const { healthy } = await healthCheck();
    return reply.code(healthy ? 204 : 503).send();
  });

  app.get(`${V1}/health/extended`, { config: { rule: 'physical_provisioner:health_data' }, schema: { response: { 200: S.healthStatus, 503: S.healthStatus } } }, async (_req, reply) => {
    const { healthy, body } = await healthCheck();
    return reply.code(healthy ? 200 : 503).send(body);
  });
}
