/** Who is calling, as Drydock's DrydockRequestContext holds it (control/base.py). */
export interface Identity {
  user: string;
  userId?: string;
  userDomainId?: string;
  project?: string;
  projectId?: string;
  projectDomainId?: string;
  roles: string[];
  isAdminProject: boolean;
  /** Which verifier accepted the token: token-file, jwt, keystone. */
  via: string;
}

export interface RequestContext {
  /** Set once a verifier accepted the token. */
  identity?: Identity;
  /** A token was sent but no verifier accepted it. */
  badToken?: string;
  requestId: string;
  /** X-Context-Marker, kept only when it is a UUID v4 (as Drydock's ContextMiddleware does). */
  externalMarker: string;
  /** X-End-User, else the authenticated user. */
  endUser?: string;
  /** The policy rule(s) the route enforced, for the request log. */
  rules: string[];
  taskId?: string;
}

const UUID_V4 = /^[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$/i;

export function isUuidV4(value: string): boolean {
  return UUID_V4.test(value);
}
