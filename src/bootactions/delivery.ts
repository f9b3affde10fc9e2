/**
 * Per-node delivery, as functions the DeployNode activity and the REST routes call.
 *
 * - `prepareNodeBootActions` (in the DeployNode activity, before MAAS deploy): a node key and an
 *   id per boot action, stored hashed; returns the user data for MAAS (it carries the node key,
 *   so it goes straight to the driver and never into workflow history) and the list of actions
 *   (ids, names, signalling; no keys) for the workflow to wait on.
 * - `nodeAssets` (GET /bootactions/nodes/{hostname}/units|files): checks `X-Bootaction-Key`
 *   against the node's context, renders that node's assets with each action's own key, and
 *   answers the gzipped tarball.
 * - `postReport` (POST /bootactions/{id}): Drydock's checks and codes, then a compare-and-set of
 *   the new record; the caller signals the node's workflow with the returned report.
 */
import type { BootActionModel, NodeModel } from '../design/model';
import type { SiteContext } from '../contracts/site-context';
import { actionKey, hashKey, newNodeKey, newUlid, verifyKey } from './keys';
import { renderBootAction, type RenderOptions } from './render';
import { type BootActionRecord, handleReport, initialStatus, type Report, type ReportOutcome } from './reports';
import type { BootActionStore } from './store';
import { buildTarball, tarEntries } from './tar';
import { bootActionUserData } from './userdata';

export interface PreparedBootAction {
  actionId: string;
  name: string;
  signaling: boolean;
}

export interface PrepareInput {
  node: NodeModel;
  site: SiteContext;
  /** The deployment's workflow id (Drydock's task id). */
  taskId: string;
  designRef: string;
  /** The API base the node reaches, e.g. `http://10.0.0.1:9000/api/v1.0`. */
  apiUrl: string;
  now?: () => Date;
}

export interface PreparedNode {
  /** For MAAS's deploy `user_data` (contains the node key: pass it on, never return it to a workflow). */
  userData: string | undefined;
  actions: PreparedBootAction[];
}

export function nodeBootActions(node: NodeModel, site: SiteContext): BootActionModel[] {
  return node.bootActions.map((n) => site.bootActions[n]).filter((a): a is BootActionModel => a !== undefined);
}

export function nodePackageList(actions: BootActionModel[]): Array<string | [string, string]> {
  const packages = new Map<string, string | null>();
  for (const a of actions) for (const asset of a.assets) if (asset.type === 'pkg_list' && asset.data && typeof asset.data === 'object') for (const [p, v] of Object.entries(asset.data)) if (!packages.has(p) || v) packages.set(p, v ?? null);
  return [...packages].sort(([a], [b]) => a.localeCompare(b)).map(([p, v]) => (v ? [p, v] : p));
}

export async function prepareNodeBootActions(store: BootActionStore, input: PrepareInput): Promise<PreparedNode> {
  const now = (input.now ?? (() => new Date()))();
  const actions = nodeBootActions(input.node, input.site);
  const nodeKey = newNodeKey();
  const records: BootActionRecord[] = actions.map((a) => {
    const actionId = newUlid(now.getTime());
    return { actionId, actionName: a.name, nodeName: input.node.name, taskId: input.taskId, keyHash: hashKey(actionKey(nodeKey, actionId)), signaling: a.signaling, status: initialStatus(a.signaling), details: [] };
  });
  await store.putNodeContext({ nodeName: input.node.name, taskId: input.taskId, designRef: input.designRef, keyHash: hashKey(nodeKey), createdAt: now.toISOString() }, records);
  const has = (t: string): boolean => actions.some((a) => a.assets.some((x) => x.type === t));
  const userData = bootActionUserData({ hostname: input.node.name, apiUrl: input.apiUrl, nodeKey, packages: nodePackageList(actions), hasUnits: has('unit'), hasFiles: has('file') });
  return { userData, actions: records.map((r) => ({ actionId: r.actionId, name: r.actionName, signaling: r.signaling })) };
}

export type AssetsOutcome = { status: 200; body: Buffer; filename: string } | { status: 401 | 403 | 404 | 500; body: { message: string } };

export interface AssetsInput {
  hostname: string;
  type: 'unit' | 'file';
  presentedKey: string | undefined;
  /** The compiled design of the context's design reference (the route loads it). */
  loadDesign: (designRef: string) => Promise<{ site: SiteContext; node: NodeModel | undefined }>;
  reportUrl: string;
  render?: Omit<RenderOptions, 'type'>;
}

export async function nodeAssets(store: BootActionStore, input: AssetsInput): Promise<AssetsOutcome> {
  const ctx = await store.getNodeContext(input.hostname);
  if (!ctx) return { status: 404, body: { message: `Error locating boot action for ${input.hostname}` } };
  const check = verifyKey(input.presentedKey, ctx.keyHash);
  if (check === 'missing') return { status: 401, body: { message: 'No X-Bootaction-Key' } };
  if (check === 'invalid') return { status: 403, body: { message: 'Invalid X-Bootaction-Key' } };
  const nodeKey = input.presentedKey!.toLowerCase();
  try {
    const { site, node } = await input.loadDesign(ctx.designRef);
    if (!node) return { status: 404, body: { message: `node ${input.hostname} is not in design ${ctx.designRef}` } };
    const records = new Map((await store.actionsForNode(input.hostname, ctx.taskId)).map((r) => [r.actionName, r]));
    const assets = [];
    for (const action of nodeBootActions(node, site)) {
      const rec = records.get(action.name);
      if (!rec) continue;
      assets.push(...(await renderBootAction(action, node, site, { actionId: rec.actionId, actionKey: actionKey(nodeKey, rec.actionId), reportUrl: input.reportUrl, designRef: ctx.designRef }, { ...input.render, type: input.type })));
    }
    return { status: 200, body: buildTarball(tarEntries(assets)), filename: `${input.hostname}-${input.type}.tar.gz` };
  } catch (e) {
    return { status: 500, body: { message: (e as Error).message } };
  }
}

export type PostReportOutcome = ReportOutcome | { status: 409; body: { message: string } };

/** The POST route's work: on 200, the caller forwards `report` to the node workflow. */
export async function postReport(store: BootActionStore, actionId: string, presentedKey: string | undefined, body: unknown, now: Date = new Date()): Promise<PostReportOutcome & { report?: Report }> {
  const record = await store.getAction(actionId);
  const outcome = handleReport(record, presentedKey, body, now.toISOString());
  if (outcome.status !== 200) return outcome;
  if (!(await store.updateAction(outcome.record, record!.status))) return { status: 409, body: { message: `Action ${actionId} changed meanwhile; retry` } };
  return outcome;
}
