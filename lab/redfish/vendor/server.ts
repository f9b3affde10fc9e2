import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type RequestListener, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { fail, header, HttpError, readBody, redact, selfSignedCertificate, send, stripWeak, type Reply } from './http';
import { baseMessages as M, errorBody, type ExtendedMessage } from './messages';
import { PROFILES, profileForTree, type VendorProfile } from './profiles';
import type { BusyOperation } from './profiles/profile';
import { clone, etagLike, isObject, linkOf, loadTree, normalisePath, type Json } from './tree';

/**
 * A Redfish service that serves one captured tree of ../shared/redfish-payloads and answers writes
 * the way that tree's vendor documents (lab/redfish/vendor/profiles/*, each rule with its source).
 * Lab only: the product never imports it, and it shares no code with the Redfish driver it tests.
 */
export interface VendorRedfishOptions {
  /** The tree's folder, e.g. ../shared/redfish-payloads/libredfish/lenovo. */
  treeDir: string;
  /** A profile id (`dell`, `hpe`, `lenovo`, `supermicro`, `ami`, `openbmc`, `dmtf`); default: by the tree's place. */
  profile?: string;
  /** Accepted credentials, for Basic authentication and session login. */
  credentials?: { username: string; password: string };
  /** How long a reset takes to change PowerState (real BMCs take seconds). Default 200 ms. */
  powerDelayMs?: number;
  /** After a reset lands, how long the host stays "in POST" and the vendor's busy refusals apply. Default 0 (off). */
  busyWindowMs?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0: a free port chosen by the system. */
  port?: number;
  /** Serve HTTPS with a fresh self-signed certificate for the host (made with openssl), as BMCs ship. */
  tls?: boolean;
}

/** One write the service received: what tests count as side effects. */
export interface RecordedWrite {
  time: string;
  method: string;
  path: string;
  status: number;
  /** The parsed body; a session login's Password is replaced by `***`. */
  body: unknown;
  headers: { ifMatch?: string; ifNoneMatch?: string; contentType?: string; auth: 'basic' | 'session' | 'none' };
}

/** A Dell job created by a BootOrder PATCH. */
interface Job {
  id: string;
  systemPath: string;
  state: 'Scheduled' | 'Completed';
  created: string;
}

export interface VendorRedfishService {
  /** e.g. http://127.0.0.1:40123 (https:// with `tls`) */
  url: string;
  /** With `tls`: the self-signed certificate (PEM), for a client's CA bundle. */
  certificatePem?: string;
  profile: VendorProfile;
  /** Paths of the Systems the tree holds, in collection order. */
  systems: string[];
  /** Every write so far (also at GET /lab/requests). */
  writes(): RecordedWrite[];
  /** The current state of a resource, as GET would serve it (without auth). */
  resource(path: string): Json | undefined;
  stop(): Promise<void>;
}

const DEFAULT_CREDENTIALS = { username: 'admin', password: 'password' };
/** Paths DSP0266 ("Authentication requirements") leaves open. */
const OPEN_PATHS = new Set(['/redfish', '/redfish/v1', '/redfish/v1/odata', '/redfish/v1/$metadata']);
/**
 * Top-level ComputerSystem properties a client may write (read-write in DSP0268's ComputerSystem
 * schema; the same ones AMI's TSM docs show in a System PATCH). Everything else outside Boot is
 * PropertyNotWritable.
 */
const WRITABLE_SYSTEM_PROPERTIES = ['AssetTag', 'HostName', 'IndicatorLED', 'LocationIndicatorActive', 'PowerRestorePolicy'];
/** ComputerSystem ResetType values (DSP0268 ComputerSystem schema), for a System that lists none. */
const ALL_RESET_TYPES = ['On', 'ForceOff', 'GracefulShutdown', 'GracefulRestart', 'ForceRestart', 'Nmi', 'ForceOn', 'PushPowerButton', 'PowerCycle'];

export async function startVendorRedfish(options: VendorRedfishOptions): Promise<VendorRedfishService> {
  const profile = options.profile ? PROFILES[options.profile] : profileForTree(options.treeDir);
  if (!profile) throw new Error(`unknown vendor profile '${options.profile}': use one of ${Object.keys(PROFILES).join(', ')}`);
  const tree = loadTree(options.treeDir);
  const credentials = options.credentials ?? DEFAULT_CREDENTIALS;
  const powerDelayMs = options.powerDelayMs ?? 200;
  const busyWindowMs = options.busyWindowMs ?? 0;
  const base = profile.base;

  // Served state: a copy of the capture that writes change.
  const state = new Map<string, Json>();
  for (const [path, res] of tree.resources) state.set(path, clone(res));
  const writes: RecordedWrite[] = [];
  const sessions = new Map<string, { id: string; token: string; user: string; created: string }>();
  const jobs = new Map<string, Job>();
  let jobCount = 0;
  /** Boot properties written to a settings object and not yet applied, per System path. */
  const pending = new Map<string, Set<string>>();
  /** Pending values that live outside the served tree (Dell's job-held BootOrder). */
  const pendingBoot = new Map<string, Json>();
  const busyUntil = new Map<string, number>();
  const timers = new Set<NodeJS.Timeout>();

  const root = state.get('/redfish/v1');
  if (!root) throw new Error(`${options.treeDir}: no service root`);
  const systemsCollection = linkOf(root.Systems) ?? '/redfish/v1/Systems';
  const systems = ((state.get(systemsCollection)?.Members as unknown[]) ?? []).map(linkOf).filter((p): p is string => !!p && state.has(p));
  // The session collection: the root's Links.Sessions (pypi/dell-r640 keeps it at /redfish/v1/Sessions),
  // else SessionService's Sessions.
  const sessionsPath =
    linkOf(isObject(root.Links) ? root.Links.Sessions : undefined) ??
    linkOf(state.get(linkOf(root.SessionService) ?? '/redfish/v1/SessionService')?.Sessions) ??
    '/redfish/v1/SessionService/Sessions';

  const settingsOf = (systemPath: string): string | undefined => {
    const sys = state.get(systemPath);
    const settings = sys && isObject(sys['@Redfish.Settings']) ? sys['@Redfish.Settings'] : undefined;
    const path = linkOf(settings?.SettingsObject);
    return path && state.has(path) ? path : undefined;
  };
  const settingsOwner = new Map<string, string>();
  for (const sys of systems) {
    const s = settingsOf(sys);
    if (s) settingsOwner.set(s, sys);
  }
  const resetTargets = new Map<string, string>();
  for (const sys of systems) {
    // Only where the capture offers the action (libredfish/nvidia_gh200's HGX_Baseboard_0 offers none).
    const action = resetAction(state.get(sys)!);
    if (typeof action?.target === 'string') resetTargets.set(normalisePath(action.target), sys);
  }

  /** The resource's ETag: the body's `@odata.etag` where the capture has one, else one derived from its content. */
  const etagOf = (path: string): string => {
    const res = state.get(path);
    if (!res) return '""';
    const inBody = res['@odata.etag'];
    return typeof inBody === 'string' ? inBody : etagLike(undefined, res);
  };
  /** A resource changed: a body ETag follows its content, in the capture's shape (computed ones always do). */
  const touched = (path: string): void => {
    const res = state.get(path);
    if (res && typeof res['@odata.etag'] === 'string') res['@odata.etag'] = etagLike(res['@odata.etag'], res);
  };

  const authenticate = (req: IncomingMessage): 'basic' | 'session' | undefined => {
    const token = req.headers['x-auth-token'];
    if (typeof token === 'string' && [...sessions.values()].some((s) => s.token === token)) return 'session';
    const auth = req.headers.authorization;
    if (auth?.startsWith('Basic ')) {
      const [user, ...pass] = Buffer.from(auth.slice(6), 'base64').toString('utf8').split(':');
      if (user === credentials.username && pass.join(':') === credentials.password) return 'basic';
    }
    return undefined;
  };

  /** DSP0266 "ETags": a stale If-Match fails with 412; AMI also requires a precondition (428). */
  const checkPrecondition = (req: IncomingMessage, path: string): void => {
    const ifMatch = header(req, 'if-match');
    const ifNoneMatch = header(req, 'if-none-match');
    if (profile.requirePrecondition && ifMatch === undefined && ifNoneMatch === undefined) fail(428, M.preconditionRequired(base));
    if (ifMatch !== undefined && ifMatch.trim() !== '*') {
      const current = stripWeak(etagOf(path));
      const offered = ifMatch.split(',').map((t) => stripWeak(t.trim()));
      if (!offered.includes(current)) fail(412, M.preconditionFailed(base));
    }
  };

  const busyFor = (systemPath: string, op: BusyOperation, firstProperty?: string): void => {
    if (!profile.busy || Date.now() >= (busyUntil.get(systemPath) ?? 0)) return;
    fail(profile.busy.status, profile.busy.message(op, firstProperty));
  };

  // ---- GET ------------------------------------------------------------------------------------

  const get = (path: string): Reply => {
    if (path === sessionsPath) {
      const col = state.get(path) ?? { '@odata.id': path, '@odata.type': '#SessionCollection.SessionCollection', Name: 'Session Collection' };
      // Live sessions only: the captured members were sessions of the capture run, and their
      // resources are not in the trees (libredfish/*/SessionService/Sessions holds only the collection).
      const members = [...sessions.values()].map((s) => ({ '@odata.id': `${path}/${s.id}` }));
      return reply200(path, { ...col, Members: members, 'Members@odata.count': members.length });
    }
    const session = sessionAt(path);
    if (session) {
      return reply200(path, {
        '@odata.id': path,
        '@odata.type': '#Session.v1_0_0.Session',
        Id: session.id,
        Name: 'User Session',
        UserName: session.user,
        CreatedTime: session.created,
      });
    }
    const jobsCollection = profile.bootOrderJob?.jobsCollection;
    if (jobsCollection && path === jobsCollection) {
      const members = [...jobs.keys()].map((id) => ({ '@odata.id': `${path}/${id}` }));
      return reply200(path, { '@odata.id': path, '@odata.type': '#DellJobCollection.DellJobCollection', Name: 'JobQueue', Members: members, 'Members@odata.count': members.length });
    }
    const job = jobAt(path);
    if (job) {
      // Dell's job resource: JobState Scheduled until the reboot applies it (iDRAC-Redfish-Scripting
      // ChangeBiosBootOrderDMTF_REDFISH.py waits for "Scheduled"; libredfish dell.rs reads JobState).
      // Its shape follows the real iDRAC job quoted in libredfish src/dell.rs (Id, Name "Configure:
      // <FQDD>", JobType, JobState, Message, PercentComplete, StartTime, TargetSettingsURI); the
      // Message texts are the model's own.
      return reply200(path, {
        '@odata.id': path,
        '@odata.type': '#DellJob.v1_0_0.DellJob',
        Description: 'Job Instance',
        Id: job.id,
        Name: 'Configure: BIOS.Setup.1-1',
        JobType: 'BIOSConfiguration',
        JobState: job.state,
        Message: job.state === 'Completed' ? 'Job completed successfully.' : 'Task successfully scheduled.',
        PercentComplete: job.state === 'Completed' ? 100 : 0,
        StartTime: job.created,
        TargetSettingsURI: null,
      });
    }
    const res = state.get(path);
    if (!res) fail(404, M.resourceMissingAtUri(base, path));
    return reply200(path, res);
  };

  const reply200 = (path: string, body: Json): Reply => ({
    status: 200,
    body,
    headers: profile.etagHeader === 'computed' ? { ETag: state.has(path) ? etagOf(path) : etagLike(undefined, body) } : {},
  });

  const sessionAt = (path: string): { id: string; token: string; user: string; created: string } | undefined => {
    if (!path.startsWith(`${sessionsPath}/`)) return undefined;
    return sessions.get(path.slice(sessionsPath.length + 1));
  };
  const jobAt = (path: string): Job | undefined => {
    const col = profile.bootOrderJob?.jobsCollection;
    return col && path.startsWith(`${col}/`) ? jobs.get(path.slice(col.length + 1)) : undefined;
  };

  // ---- sessions (DSP0266 "Session management") ------------------------------------------------

  const login = (body: unknown): Reply => {
    if (!isObject(body) || typeof body.UserName !== 'string' || typeof body.Password !== 'string') {
      fail(400, M.propertyValueTypeError(base, 'null', 'UserName/Password'));
    }
    const b = { UserName: String(body.UserName), Password: String(body.Password) };
    // DSP0266: a login with wrong credentials fails with 401 and creates nothing.
    if (b.UserName !== credentials.username || b.Password !== credentials.password) fail(401, M.noValidSession(base));
    const id = randomBytes(8).toString('hex');
    const token = randomBytes(24).toString('hex');
    const created = new Date().toISOString();
    sessions.set(id, { id, token, user: b.UserName, created });
    const location = `${sessionsPath}/${id}`;
    // DSP0266: 201 Created, X-Auth-Token and Location of the new session.
    return {
      status: 201,
      headers: { 'X-Auth-Token': token, Location: location },
      body: { '@odata.id': location, '@odata.type': '#Session.v1_0_0.Session', Id: id, Name: 'User Session', UserName: b.UserName },
    };
  };

  const logout = (path: string): Reply => {
    const session = sessionAt(path);
    if (!session) fail(404, M.resourceMissingAtUri(base, path));
    sessions.delete(session.id);
    return { status: 204 };
  };

  // ---- PATCH of Boot --------------------------------------------------------------------------

  /**
   * Checks a `Boot` object of a PATCH against the resource it is sent to. `writable` says which
   * properties that resource accepts; `annotations` is where `@Redfish.AllowableValues` lists are read
   * (the resource's own Boot, then its System's).
   */
  const checkBoot = (patch: Json, current: Json, writable: (prop: string) => boolean, annotations: Json[]): { apply: Json; refused: ExtendedMessage[] } => {
    const apply: Json = {};
    const refused: ExtendedMessage[] = [];
    const invalid: ExtendedMessage[] = [];
    for (const [prop, value] of Object.entries(patch)) {
      const known = prop in current || annotations.some((a) => prop in a);
      // DSP0266 "Modification success/failure": an unknown property is PropertyUnknown.
      if (!known) {
        invalid.push(M.propertyUnknown(base, `Boot/${prop}`));
        continue;
      }
      // Annotations, links and counts are never writable (DSP0266 "Annotations"; links are read-only).
      if (prop.includes('@') || isObject(current[prop]) || !writable(prop)) {
        refused.push(M.propertyNotWritable(base, `Boot/${prop}`));
        continue;
      }
      if (prop === 'BootOrder') {
        // An array of BootOptionReference strings (DSP0268 ComputerSystem); XCC: "Item count shall not be 0".
        if (!Array.isArray(value) || value.length === 0 || value.some((v) => typeof v !== 'string')) {
          invalid.push(M.propertyValueTypeError(base, JSON.stringify(value), 'BootOrder'));
          continue;
        }
      } else {
        const allowed = annotations.map((a) => a[`${prop}@Redfish.AllowableValues`]).find((v): v is unknown[] => Array.isArray(v));
        // DSP0266 / the captures' `@Redfish.AllowableValues`: a value outside the list is PropertyValueNotInList.
        if (allowed && !allowed.includes(value)) {
          invalid.push(M.propertyValueNotInList(base, String(value), prop));
          continue;
        }
        if (value !== null && typeof value !== 'string') {
          invalid.push(M.propertyValueTypeError(base, JSON.stringify(value), prop));
          continue;
        }
      }
      apply[prop] = value;
    }
    // A request with any invalid value changes nothing (DSP0266: "shall not apply any of the update").
    if (invalid.length) fail(400, ...invalid, ...refused);
    return { apply, refused };
  };

  const patchSystem = (req: IncomingMessage, systemPath: string, body: Json): Reply => {
    const sys = state.get(systemPath)!;
    const bootPatch = isObject(body.Boot) ? body.Boot : undefined;
    if (bootPatch) busyFor(systemPath, 'patch-boot', Object.keys(bootPatch)[0]);
    checkPrecondition(req, systemPath);
    const sysBoot = isObject(sys.Boot) ? sys.Boot : {};
    const hasSettings = settingsOf(systemPath) !== undefined;
    const refused: ExtendedMessage[] = [];
    let apply: Json = {};
    if (bootPatch) {
      const writable = (prop: string): boolean => !hasSettings || profile.systemBootWritableWithSettings.includes(prop);
      const checked = checkBoot(bootPatch, sysBoot, writable, [sysBoot]);
      apply = checked.apply;
      refused.push(...checked.refused);
    }
    const others: Json = {};
    for (const [prop, value] of Object.entries(body)) {
      if (prop === 'Boot') continue;
      if (!(prop in sys)) fail(400, M.propertyUnknown(base, prop));
      if (!WRITABLE_SYSTEM_PROPERTIES.includes(prop)) {
        refused.push(M.propertyNotWritable(base, prop));
        continue;
      }
      const allowed = sys[`${prop}@Redfish.AllowableValues`];
      if (Array.isArray(allowed) && !allowed.includes(value)) fail(400, M.propertyValueNotInList(base, JSON.stringify(value), prop, `#/${prop}`));
      others[prop] = value;
    }
    if (Object.keys(apply).length === 0 && Object.keys(others).length === 0) {
      // Nothing could be applied: 400 with every reason (DSP0266 "Modification success/failure").
      fail(400, ...(refused.length ? refused : [M.propertyUnknown(base, 'Boot')]));
    }
    Object.assign(sys, others);
    let job: Job | undefined;
    if ('BootOrder' in apply && profile.bootOrderJob && !hasSettings) {
      // Dell: the BootOrder becomes a pending value with a job; the reboot applies it (profiles/dell.ts).
      // Dell job ids are JID_ and 12 digits (iDRAC-Redfish-Scripting#91: "JID_805152406575").
      const id = `JID_${Date.now().toString().slice(-9)}${String(++jobCount % 1000).padStart(3, '0')}`;
      job = { id, systemPath, state: 'Scheduled', created: new Date().toISOString() };
      jobs.set(id, job);
      const jobPending = { ...(pendingBoot.get(systemPath) ?? {}), BootOrder: apply.BootOrder };
      pendingBoot.set(systemPath, jobPending);
      delete apply.BootOrder;
    }
    if ('BootSourceOverrideTarget' in apply && profile.readBackOverrideTarget) {
      const mode = 'BootSourceOverrideMode' in apply ? apply.BootSourceOverrideMode : sysBoot.BootSourceOverrideMode;
      apply.BootSourceOverrideTarget = profile.readBackOverrideTarget(String(apply.BootSourceOverrideTarget), mode);
    }
    sys.Boot = { ...sysBoot, ...apply };
    touched(systemPath);
    if (job) {
      return { status: 202, headers: { Location: `${profile.bootOrderJob!.jobsCollection}/${job.id}` }, body: undefined };
    }
    return patchReply(systemPath, refused);
  };

  const patchSettings = (req: IncomingMessage, settingsPath: string, body: Json): Reply => {
    const systemPath = settingsOwner.get(settingsPath)!;
    const bootPatch = isObject(body.Boot) ? body.Boot : undefined;
    if (bootPatch) busyFor(systemPath, 'patch-boot', Object.keys(bootPatch)[0]);
    checkPrecondition(req, settingsPath);
    const settings = state.get(settingsPath)!;
    const capturedBoot = tree.resources.get(settingsPath)?.Boot;
    const settingsBoot = isObject(settings.Boot) ? settings.Boot : {};
    const sys = state.get(systemPath)!;
    const sysBoot = isObject(sys.Boot) ? sys.Boot : {};
    const refused: ExtendedMessage[] = [];
    for (const prop of Object.keys(body)) if (prop !== 'Boot') refused.push(M.propertyNotWritable(base, prop));
    if (!bootPatch) fail(400, ...(refused.length ? refused : [M.propertyUnknown(base, 'Boot')]));
    // A settings object accepts the Boot properties its capture carries (what the capture shows).
    const writable = (prop: string): boolean => isObject(capturedBoot) && prop in capturedBoot;
    const checked = checkBoot(bootPatch, { ...sysBoot, ...settingsBoot }, writable, [settingsBoot, sysBoot]);
    refused.push(...checked.refused);
    if (Object.keys(checked.apply).length === 0) fail(400, ...refused);
    settings.Boot = { ...settingsBoot, ...checked.apply };
    const set = pending.get(systemPath) ?? new Set<string>();
    for (const prop of Object.keys(checked.apply)) set.add(prop);
    pending.set(systemPath, set);
    touched(settingsPath);
    return patchReply(settingsPath, refused);
  };

  const patchReply = (path: string, refused: ExtendedMessage[]): Reply => {
    if (profile.patchStatus === 204 && refused.length === 0) return { status: 204 };
    const etagHeader: Record<string, string> = profile.etagHeader === 'computed' ? { ETag: etagOf(path) } : {};
    if (profile.patchBody && refused.length === 0) return { status: 200, body: profile.patchBody(base), headers: etagHeader };
    const body = clone(state.get(path)!);
    if (refused.length) body['@Message.ExtendedInfo'] = refused;
    return { status: 200, body, headers: etagHeader };
  };

  // ---- ComputerSystem.Reset -------------------------------------------------------------------

  const reset = (systemPath: string, body: unknown): Reply => {
    busyFor(systemPath, 'reset');
    const sys = state.get(systemPath)!;
    const action = resetAction(sys);
    const name = 'ComputerSystem.Reset';
    if (!isObject(body) || body.ResetType === undefined) fail(400, M.actionParameterMissing(base, name, 'ResetType'));
    const resetType = body.ResetType;
    const allowed = allowedResetTypes(action);
    if (typeof resetType !== 'string' || !allowed.includes(resetType)) {
      fail(400, M.actionParameterValueNotInList(base, JSON.stringify(resetType), 'ResetType', name));
    }
    const rt = resetType;
    const refusal = profile.samePowerStateReset?.(String(sys.PowerState), rt);
    if (refusal) fail(400, refusal);
    const was = String(sys.PowerState);
    const { to, boots } = powerAfter(was, rt);
    const timer = setTimeout(() => {
      timers.delete(timer);
      const current = state.get(systemPath)!;
      current.PowerState = to;
      if (boots) boot(systemPath);
      touched(systemPath);
    }, powerDelayMs);
    timers.add(timer);
    const replyBody = profile.resetBody?.(base);
    return { status: profile.resetStatus, body: profile.resetStatus === 204 ? undefined : replyBody };
  };

  const allowedResetTypes = (action: Json | undefined): string[] => {
    const inline = action?.['ResetType@Redfish.AllowableValues'];
    if (Array.isArray(inline)) return inline.map(String);
    // @Redfish.ActionInfo (lenovo, supermicro, AMI, GH200, dmtf/public-telemetry captures).
    const infoPath = typeof action?.['@Redfish.ActionInfo'] === 'string' ? normalisePath(action['@Redfish.ActionInfo']) : undefined;
    const info = infoPath ? state.get(infoPath) : undefined;
    const params = Array.isArray(info?.Parameters) ? (info.Parameters as unknown[]) : [];
    const param = params.find((p): p is Json => isObject(p) && p.Name === 'ResetType');
    if (param && Array.isArray(param.AllowableValues)) return param.AllowableValues.map(String);
    return ALL_RESET_TYPES;
  };

  /** The host boots: pending settings apply, a Once override is used up, the POST window starts. */
  const boot = (systemPath: string): void => {
    const sys = state.get(systemPath)!;
    const sysBoot: Json = isObject(sys.Boot) ? { ...sys.Boot } : {};
    const settingsPath = settingsOf(systemPath);
    const props = pending.get(systemPath);
    if (settingsPath && props?.size) {
      // DSP0266 "Settings resource": the settings object's values become current at the apply time
      // (OnReset: the Lenovo capture's SupportedApplyTimes; AMI "FutureState"; GH200 pending settings).
      const settingsBoot = state.get(settingsPath)?.Boot;
      if (isObject(settingsBoot)) for (const prop of props) sysBoot[prop] = settingsBoot[prop];
      pending.delete(systemPath);
    }
    const held = pendingBoot.get(systemPath);
    if (held) {
      Object.assign(sysBoot, held);
      pendingBoot.delete(systemPath);
      for (const job of jobs.values()) if (job.systemPath === systemPath) job.state = 'Completed';
    }
    // DSP0268 ComputerSystem BootSourceOverrideEnabled "Once": after one boot it reverts to Disabled.
    if (sysBoot.BootSourceOverrideEnabled === 'Once') sysBoot.BootSourceOverrideEnabled = 'Disabled';
    sys.Boot = sysBoot;
    if (busyWindowMs > 0) busyUntil.set(systemPath, Date.now() + busyWindowMs);
  };

  // ---- dispatch -------------------------------------------------------------------------------

  const handle = async (req: IncomingMessage): Promise<Reply & { parsed?: unknown; auth: RecordedWrite['headers']['auth'] }> => {
    const method = req.method ?? 'GET';
    const path = normalisePath(new URL(req.url ?? '/', 'http://x').pathname);
    const raw = method === 'GET' || method === 'HEAD' ? '' : await readBody(req);
    let parsed: unknown;
    const auth = authenticate(req) ?? 'none';
    try {
      if (raw.trim()) {
        try {
          parsed = JSON.parse(raw);
        } catch {
          fail(400, M.malformedJson(base));
        }
      }
      if (path === '/lab/requests' && method === 'GET') return { status: 200, body: writes, auth };
      if (path === '/redfish' && method === 'GET') return { status: 200, body: { v1: '/redfish/v1/' }, auth };
      const isLogin = method === 'POST' && path === sessionsPath;
      if (!OPEN_PATHS.has(path) && !isLogin && auth === 'none') {
        // DSP0266 "Authentication requirements": 401 with a Basic challenge.
        throw new HttpError(401, [M.noValidSession(base)], { 'WWW-Authenticate': 'Basic realm="Redfish"' });
      }
      if (isLogin) return { ...login(parsed), parsed, auth };
      if (method === 'GET' || method === 'HEAD') return { ...get(path), auth };
      if (method === 'DELETE' && sessionAt(path)) return { ...logout(path), parsed, auth };
      if (method === 'POST' && resetTargets.has(path)) return { ...reset(resetTargets.get(path)!, parsed), parsed, auth };
      if (method === 'PATCH' && systems.includes(path)) return { ...patchSystem(req, path, asObject(parsed)), parsed, auth };
      if (method === 'PATCH' && settingsOwner.has(path)) return { ...patchSettings(req, path, asObject(parsed)), parsed, auth };
      if (!state.has(path) && !sessionAt(path) && !jobAt(path)) fail(404, M.resourceMissingAtUri(base, path));
      // Writes the model does not cover are refused rather than faked (DSP0266: 405 Method Not Allowed).
      return { ...errorReply(405, [M.operationNotAllowed(base)]), parsed, auth };
    } catch (e) {
      if (e instanceof HttpError) return { ...errorReply(e.status, e.messages), headers: { ...e.headers }, parsed, auth };
      throw e;
    }
  };

  const asObject = (parsed: unknown): Json => {
    if (!isObject(parsed)) fail(400, M.malformedJson(base));
    return parsed;
  };

  const errorReply = (status: number, messages: ExtendedMessage[]): Reply => ({ status, body: errorBody(profile.errorStyle, messages) });

  const listener: RequestListener = (req, res) => {
    handle(req)
      .then((r) => {
        send(res, req.method === 'HEAD' ? { ...r, body: undefined } : r);
        if (req.method && req.method !== 'GET' && req.method !== 'HEAD') {
          writes.push({
            time: new Date().toISOString(),
            method: req.method,
            path: normalisePath(req.url ?? '/'),
            status: r.status,
            body: redact(r.parsed),
            headers: {
              ifMatch: header(req, 'if-match'),
              ifNoneMatch: header(req, 'if-none-match'),
              contentType: header(req, 'content-type'),
              auth: r.auth,
            },
          });
        }
      })
      .catch((e: unknown) => {
        send(res, { status: 500, body: errorBody(profile.errorStyle, [{ MessageId: `${base}.InternalError`, Message: String(e) }]) });
      });
  };
  const host = options.host ?? '127.0.0.1';
  const certificate = options.tls ? selfSignedCertificate(host) : undefined;
  const server: Server = certificate ? createHttpsServer({ key: certificate.key, cert: certificate.cert }, listener) : createServer(listener);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const address = server.address() as AddressInfo;

  return {
    url: `${certificate ? 'https' : 'http'}://${host}:${address.port}`,
    certificatePem: certificate?.cert,
    profile,
    systems,
    writes: () => writes.map((w) => clone(w)),
    resource: (path) => {
      const r = state.get(normalisePath(path));
      return r ? clone(r) : undefined;
    },
    stop: async () => {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function resetAction(sys: Json): Json | undefined {
  const actions = isObject(sys.Actions) ? sys.Actions : undefined;
  const action = actions?.['#ComputerSystem.Reset'];
  return isObject(action) ? action : undefined;
}

/** PowerState after a reset (DSP0268 ResetType descriptions) and whether the host boots. */
export function powerAfter(was: string, resetType: string): { to: string; boots: boolean } {
  switch (resetType) {
    case 'On':
    case 'ForceOn':
      return { to: 'On', boots: was !== 'On' };
    case 'ForceOff':
    case 'GracefulShutdown':
      return { to: 'Off', boots: false };
    case 'ForceRestart':
    case 'GracefulRestart':
    case 'PowerCycle':
      return { to: 'On', boots: true };
    case 'PushPowerButton':
      return was === 'On' ? { to: 'Off', boots: false } : { to: 'On', boots: true };
    default:
      // Nmi and the rest do not change power.
      return { to: was, boots: false };
  }
}
