import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { FaultConfig, parseFaultConfig, EmulatorConfigError } from './config';
import { Engine } from './engine';
import { ApiError, FormFields, Params, parseForm, readBody, sendError, sendJson, sendText } from './http';
import { EmuModel } from './model';
import { Reply, Router, UnknownEndpoint } from './router';
import { describeDocument } from './describe';
import { requireState, STATE_RULES } from './state-rules';
import { addMachineRoutes } from './routes-machines';
import { addMiscRoutes } from './routes-misc';
import { addNetworkRoutes } from './routes-network';
import { addStorageRoutes } from './routes-storage';
import { OAuthRefusal, verifyPlaintextRequest } from './oauth';

/**
 * The HTTP front of the MAAS emulator: `/MAAS/api/2.0/...` with OAuth 1.0a PLAINTEXT checking,
 * request counting, fault injection (errors before or after serving, slow answers) and the
 * lab-only endpoints under `/MAAS/lab/` (statistics and faults; unauthenticated, loopback only).
 */
const API_PREFIX = '/MAAS/api/2.0/';

/** A small seeded generator, so that random faults repeat run after run. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class EmulatorServer {
  readonly router = new Router();
  readonly server: Server;
  readonly engine: Engine;
  private faults: FaultConfig;
  private random: () => number;
  private failNext: FaultConfig['failNext'];
  /** Per route template, the parameter names each request carried and the values seen (a few
   * per name): what the table tests compare with MAAS's own handlers. Memory only. */
  readonly requestLog = new Map<string, Map<string, Set<string>>>();

  constructor(
    readonly model: EmuModel,
    private readonly log: (message: string) => void,
  ) {
    addMiscRoutes(this.router);
    addNetworkRoutes(this.router);
    addMachineRoutes(this.router);
    addStorageRoutes(this.router);
    this.faults = model.config.faults;
    this.random = mulberry32(this.faults.seed);
    this.failNext = this.faults.failNext.map((f) => ({ ...f }));
    this.engine = new Engine(model, () => this.faults, log);
    this.server = createServer((req, res) => void this.handle(req, res));
  }

  setFaults(faults: FaultConfig): void {
    this.faults = faults;
    this.random = mulberry32(faults.seed);
    this.failNext = faults.failNext.map((f) => ({ ...f }));
  }

  getFaults(): FaultConfig {
    return { ...this.faults, failNext: this.failNext.map((f) => ({ ...f })) };
  }

  stats() {
    const { state } = this.model;
    const machines = Object.fromEntries(
      state.machines.map((m) => [m.system_id, { hostname: m.hostname, lab: m.lab, status: m.status, counts: { ...(state.stats.machines[m.system_id] ?? {}) } }]),
    );
    return {
      requests: { ...state.stats.requests },
      applied: { ...(state.stats.applied ?? {}) },
      machines,
      byHostname: Object.fromEntries(state.machines.map((m) => [m.hostname, { ...(state.stats.machines[m.system_id] ?? {}) }])),
      faults: { ...state.stats.faults },
    };
  }

  private authenticate(req: IncomingMessage): void {
    try {
      verifyPlaintextRequest(req.headers.authorization, this.model.state.credentials);
    } catch (err) {
      if (err instanceof OAuthRefusal) throw new ApiError(err.status, err.message);
      throw err;
    }
  }

  private record(template: string, fields: FormFields): void {
    let names = this.requestLog.get(template);
    if (!names) this.requestLog.set(template, (names = new Map<string, Set<string>>()));
    for (const [name, values] of Object.entries(fields)) {
      let seen = names.get(name);
      if (!seen) names.set(name, (seen = new Set<string>()));
      for (const v of values) if (seen.size < 8) seen.add(v.length > 64 ? `${v.slice(0, 64)}...` : v);
    }
  }

  /** Whether a configured fault applies to this request now, and with which status. */
  private fault(method: string, path: string, op: string | null, when: 'before' | 'after'): number | undefined {
    const next = this.failNext.find(
      (f) => f.count > 0 && f.when === when && (!f.method || f.method === method) && (!f.op || f.op === op) && (!f.path || new RegExp(f.path).test(path)),
    );
    if (next) {
      next.count--;
      return next.status;
    }
    const f = this.faults;
    if (f.errorWhen !== when || f.errorRate <= 0) return undefined;
    if (f.errorMethods && !f.errorMethods.includes(method as 'GET')) return undefined;
    return this.random() < f.errorRate ? f.errorStatus : undefined;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const url = new URL(req.url ?? '/', 'http://emulator');
      const method = (req.method ?? 'GET').toUpperCase();
      if (url.pathname.startsWith('/MAAS/lab/')) return await this.handleLab(req, res, url.pathname.slice('/MAAS/lab/'.length), method);
      if (!url.pathname.startsWith(API_PREFIX)) return sendText(res, 404, 'Not Found');
      const path = url.pathname.slice(API_PREFIX.length);
      // doc_handler.py describe(): served to anyone, as `maas login` and python-libmaas expect.
      if (path === 'describe/' && method === 'GET') {
        return sendJson(res, 200, describeDocument(this.router, `http://${req.headers.host ?? '127.0.0.1'}`, API_PREFIX));
      }
      const body = method === 'POST' || method === 'PUT' ? await readBody(req) : Buffer.alloc(0);
      let form: FormFields = {};
      try {
        form = body.length > 0 ? parseForm(req, body) : {};
      } catch {
        throw new ApiError(400, 'Malformed request body.');
      }
      const fields: FormFields = { ...form };
      for (const [key, value] of url.searchParams) if (key !== 'op') (fields[key] ??= []).push(value);
      const op = url.searchParams.get('op') ?? form.op?.[0] ?? null;
      delete fields.op;

      let resolved: ReturnType<Router['resolve']> | undefined;
      let resolveError: unknown;
      try {
        resolved = this.router.resolve(method, path, op);
      } catch (err) {
        resolveError = err;
      }
      const template = resolved ? resolved.route.template : Router.unmatchedTemplate(method, path, op);
      const stats = this.model.state.stats;
      stats.requests[template] = (stats.requests[template] ?? 0) + 1;
      this.record(template, fields);

      const before = this.fault(method, path, op, 'before');
      if (before !== undefined) {
        stats.faults.errors++;
        this.model.save();
        // MAAS answers a transaction it could not serialise with 409 and a database that is
        // busy or starting with 503, both with Retry-After (src/maasserver/utils/views.py).
        const transient = before === 503 || before === 409;
        return sendText(res, before, before === 503 ? 'Service Unavailable (lab fault injection)' : `HTTP ${before} (lab fault injection)`, transient ? { 'Retry-After': '0' } : {});
      }
      if (this.faults.slowRate > 0 && this.random() < this.faults.slowRate) {
        stats.faults.slowed++;
        await sleep(this.faults.slowMs);
      }
      if (resolveError instanceof UnknownEndpoint) throw resolveError;
      if (!(resolved && resolved.route.template === 'GET version/')) this.authenticate(req);
      if (!resolved) throw resolveError;
      const rule = STATE_RULES[resolved.route.template];
      if (rule) requireState(this.model.machine(resolved.match[0]), rule, this.model.config.maasVersion);

      // MAAS serves each request in a database transaction: a request that fails changes
      // nothing. The emulator restores its state from before the request (counters excepted).
      const snapshot = method === 'GET' ? undefined : structuredClone(this.model.state);
      let result: unknown;
      try {
        result = resolved.route.handler({ model: this.model, method, params: new Params(fields), match: resolved.match });
      } catch (err) {
        if (snapshot) {
          snapshot.stats = this.model.state.stats;
          this.model.state = snapshot;
          this.model.save();
        }
        throw err;
      }
      if (method !== 'GET') {
        if (!(result instanceof Reply && result.status >= 400)) {
          const applied = (stats.applied ??= {});
          applied[template] = (applied[template] ?? 0) + 1;
        }
        this.model.save();
      }

      const after = this.fault(method, path, op, 'after');
      if (after !== undefined) {
        stats.faults.errors++;
        this.model.save();
        return sendText(res, after, 'Service Unavailable (lab fault injection, after the request was served)', { 'Retry-After': '0' });
      }
      if (result instanceof Reply) {
        if (result.status === 204) {
          res.writeHead(204);
          res.end();
        } else if (Buffer.isBuffer(result.body)) {
          // Binary answers are BSON, as MAAS's ?op=details.
          res.writeHead(result.status, { 'Content-Type': 'application/bson', 'Content-Length': result.body.length });
          res.end(result.body);
        } else if (result.text) sendText(res, result.status, String(result.body));
        else sendJson(res, result.status, result.body);
        return;
      }
      sendJson(res, 200, result);
    } catch (err) {
      if (err instanceof ApiError) return sendError(res, err);
      this.log(`internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      sendText(res, 500, `Internal server error: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private async handleLab(req: IncomingMessage, res: ServerResponse, path: string, method: string): Promise<void> {
    if (path === 'stats' && method === 'GET') return sendJson(res, 200, this.stats());
    if (path === 'stats/reset' && method === 'POST') {
      this.model.state.stats = { requests: {}, applied: {}, machines: {}, faults: { errors: 0, slowed: 0 } };
      this.model.save();
      return sendJson(res, 200, this.stats());
    }
    if (path === 'faults' && method === 'GET') return sendJson(res, 200, this.getFaults());
    if (path === 'faults' && (method === 'PUT' || method === 'POST')) {
      const text = (await readBody(req)).toString('utf8');
      try {
        this.setFaults(parseFaultConfig(text ? JSON.parse(text) : {}));
      } catch (err) {
        return sendText(res, 400, err instanceof EmulatorConfigError || err instanceof SyntaxError ? err.message : String(err));
      }
      return sendJson(res, 200, this.getFaults());
    }
    if (path === 'machines' && method === 'GET') {
      return sendJson(
        res,
        200,
        this.model.state.machines.map((m) => ({ system_id: m.system_id, hostname: m.hostname, lab: m.lab, status: m.status, power_state: m.power_state, operation: m.operation, user_data: m.user_data, commission_options: m.commission_options ?? null })),
      );
    }
    sendText(res, 404, 'Unknown lab endpoint: use GET stats, POST stats/reset, GET/PUT faults, GET machines');
  }
}
