import type { NetworkModel } from '../model';
import type { NetworkData } from '../schemas';
import { DEFAULT_ROUTE_METRIC } from './site-models';

/**
 * Route domains (Drydock's orchestrator render_route_domains): networks that share a
 * `routedomain` reach each other through routers. A network with a route that names the domain
 * (`routes: [{routedomain: storage, gateway: 10.0.1.1}]`) gets a static route to the CIDR of every
 * other network in the domain, through that route's gateway. The placeholder route itself is
 * replaced by the concrete routes, each tagged with its `routedomain`.
 */
export function expandRouteDomains(networks: ReadonlyArray<{ model: NetworkModel; data: NetworkData }>): void {
  const members = new Map<string, NetworkModel[]>();
  for (const { model } of networks) {
    if (model.routedomain === undefined) continue;
    const list = members.get(model.routedomain) ?? [];
    list.push(model);
    members.set(model.routedomain, list);
  }
  if (members.size === 0) return;
  for (const { model, data } of networks) {
    const seen = new Set(model.routes.map((r) => r.subnet));
    for (const route of data.routes ?? []) {
      if (route.routedomain === undefined || route.gateway === undefined) continue;
      for (const other of members.get(route.routedomain) ?? []) {
        if (other.cidr === model.cidr || seen.has(other.cidr)) continue;
        seen.add(other.cidr);
        model.routes.push({ subnet: other.cidr, gateway: route.gateway, metric: route.metric ?? DEFAULT_ROUTE_METRIC, routedomain: route.routedomain });
      }
    }
  }
}
