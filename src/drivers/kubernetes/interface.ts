import type { NodeModel } from '../../design/model';
import type { ActionContext, ActionOutcome, ServiceCheck } from '../context';

/**
 * Kubernetes driver: keeps a Node object's labels equal to the design's node labels.
 * Errors are DriverError (component 'kubernetes').
 *
 * `ctx` carries cancellation and heartbeats; a cancelled action rejects with `ctx.signal`'s
 * reason, not a DriverError. Besides the kinds each method names, every method of the
 * kubernetes driver can throw the **API errors**:
 *   - Unreachable: no connection, DNS failure, a failed request, HTTP 5xx (but 503);
 *   - Timeout: no answer within the request timeout;
 *   - Busy: the API server asked to try again (HTTP 409, 429 or 503; Retry-After honoured);
 *   - AuthFailed: the token rejected (401) or not allowed (403), or the server's TLS
 *     certificate not trusted;
 *   - NotFound: HTTP 404;
 *   - InvalidRequest: the API server refused the request (other 4xx), the CA bundle cannot be
 *     read, or the token reference cannot be resolved.
 * The sim driver throws only the failures a design injects (`fail`: Busy when retryable, else
 * InvalidRequest), and Timeout when cancelled.
 */
export interface KubernetesDriver {
  /** The Region's `drivers.kubernetes.type` this driver serves (kubernetes, sim). */
  readonly type: string;
  /**
   * Reach the API server with the token and check that it may list and patch nodes; no state
   * change.
   * @param ctx cancellation and heartbeats
   * @returns `ok: true` with the server version
   * @throws DriverError the API errors; AuthFailed when the token is accepted but may not
   *   patch nodes
   */
  validateKubernetesServices(ctx: ActionContext): Promise<ServiceCheck>;
  /**
   * Make the Node's labels the design's: add and change the design's labels, and remove those
   * drydock set before that the design no longer has (tracked in an annotation); labels set
   * by others are left alone. One merge patch, none when nothing differs.
   * @param node the node (its name and labels)
   * @param ctx cancellation and heartbeats
   * @returns the labels changed; `changed: false` when they already matched
   * @throws DriverError the API errors; InvalidRequest, before any request, when a label or the
   *   node name is not valid for Kubernetes; NotFound when the cluster has no Node of the name
   *   (it appears once its kubelet has joined the cluster)
   */
  relabelNode(node: NodeModel, ctx: ActionContext): Promise<ActionOutcome>;
}
