import { standaloneContext } from '../../../../src/drivers/context';
import { DriverError } from '../../../../src/drivers/errors';
import { createKubernetesDriver, MANAGED_LABELS_ANNOTATION } from '../../../../src/drivers/kubernetes';
import type { KubernetesDriverConfig } from '../../../../src/design/model';
import { SecretResolver } from '../../../../src/secrets/resolver';
import { freePort } from '../../../../src/tools/ports';
import { makeTestCa, startFakeKubeApi, type FakeKubeApi, type TestCa } from '../../../support/kube-api-server';
import { labNode } from '../../../support/network-site';
import { driverFailure } from '../../../support/driver-errors';

const TOKEN = 'kube-token-3f1e9c0a7b';
const secrets = new SecretResolver({ env: { KUBE_TOKEN: TOKEN, WRONG_TOKEN: 'not-the-token' } });

function node(labels: Record<string, string>, name = 'compute01') {
  return { ...labNode(name, []), labels };
}

async function driverError(promise: Promise<unknown>, kind: DriverError['kind']): Promise<DriverError> {
  const err = await driverFailure(promise);
  expect({ component: err.component, kind: err.kind }).toEqual({ component: 'kubernetes', kind });
  expect(err.message).not.toContain(TOKEN);
  expect(JSON.stringify(err.details)).not.toContain(TOKEN);
  return err;
}

describe('Kubernetes driver against a request-checking HTTPS server, not a real API server', () => {
  let ca: TestCa;
  let api: FakeKubeApi;
  const ctx = () => standaloneContext();
  const config = (overrides: Partial<Extract<KubernetesDriverConfig, { type: 'kubernetes' }>> = {}): KubernetesDriverConfig => ({ type: 'kubernetes', apiUrl: api.url, token: 'env:KUBE_TOKEN', caBundle: ca.caPath, ...overrides });
  const driver = (overrides = {}) => createKubernetesDriver(config(overrides), { secrets, timeoutMs: 10_000 });

  beforeAll(async () => {
    ca = makeTestCa();
    api = await startFakeKubeApi({ tls: ca, token: TOKEN });
  });
  afterAll(async () => {
    await api?.close();
    ca?.remove();
  });
  beforeEach(() => {
    api.nodes.clear();
    api.requests.length = 0;
    api.allowPatch = true;
  });

  it('RelabelNode applies the design labels with one merge patch, records the keys it manages, and a second run only reads', async () => {
    api.addNode('compute01', { 'kubernetes.io/hostname': 'compute01' });
    const labels = { 'openstack-control-plane': 'enabled', 'ceph-osd': 'enabled', 'drydock.example/rack': 'rack1' };
    const first = await driver().relabelNode(node(labels), ctx());
    expect(first).toMatchObject({ changed: true, details: { node: 'compute01', set: 3, removed: 0 } });
    const patch = api.requests.find((r) => r.method === 'PATCH');
    expect(patch).toMatchObject({ path: '/api/v1/nodes/compute01', contentType: 'application/merge-patch+json', authorized: true });
    expect(patch?.body).toEqual({
      metadata: {
        resourceVersion: expect.any(String) as string,
        labels,
        annotations: { [MANAGED_LABELS_ANNOTATION]: JSON.stringify(['ceph-osd', 'drydock.example/rack', 'openstack-control-plane']) },
      },
    });
    expect(api.nodes.get('compute01')?.metadata.labels).toEqual({ 'kubernetes.io/hostname': 'compute01', ...labels });

    api.requests.length = 0;
    const second = await driver().relabelNode(node(labels), ctx());
    expect(second.changed).toBe(false);
    expect(api.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /api/v1/nodes/compute01']);
  });

  it('removes labels drydock set that the design dropped, changes changed values, and leaves other labels alone', async () => {
    api.addNode('compute01', { 'kubernetes.io/hostname': 'compute01', team: 'storage', role: 'old', gone: 'x' }, { [MANAGED_LABELS_ANNOTATION]: JSON.stringify(['gone', 'role']) });
    const outcome = await driver().relabelNode(node({ role: 'new', added: 'yes' }), ctx());
    expect(outcome.message).toBe('Node compute01: set role=new, added=yes; removed gone');
    expect(api.nodes.get('compute01')?.metadata.labels).toEqual({ 'kubernetes.io/hostname': 'compute01', team: 'storage', role: 'new', added: 'yes' });
    expect(api.nodes.get('compute01')?.metadata.annotations[MANAGED_LABELS_ANNOTATION]).toBe('["added","role"]');
  });

  it('uses the lowercased node name, as kubelet registers it', async () => {
    api.addNode('compute01');
    await driver().relabelNode(node({ a: 'b' }, 'Compute01'), ctx());
    expect(api.nodes.get('compute01')?.metadata.labels).toEqual({ a: 'b' });
  });

  it('ValidateKubernetesServices reads the version, lists nodes and asks whether it may patch nodes', async () => {
    const check = await driver().validateKubernetesServices(ctx());
    expect(check).toEqual({ ok: true, message: `Kubernetes v1.30.2 at ${api.url}: token accepted, may list and patch nodes`, details: { version: 'v1.30.2' } });
    expect(api.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /version', 'GET /api/v1/nodes?limit=1', 'POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews']);
    api.allowPatch = false;
    const err = await driverError(driver().validateKubernetesServices(ctx()), 'AuthFailed');
    expect(err.message).toContain('accepted the token (env:KUBE_TOKEN) but it may not patch nodes: RBAC: no rule allows patch on nodes');
  });

  it('a wrong token is AuthFailed, non-retryable, and names the reference, never the token', async () => {
    api.addNode('compute01');
    const err = await driverError(driver({ token: 'env:WRONG_TOKEN' }).relabelNode(node({ a: 'b' }), ctx()), 'AuthFailed');
    expect(err.retryable).toBe(false);
    expect(err.type).toBe('KubernetesAuthFailed');
    expect(err.message).toContain(`Kubernetes at ${api.url} rejected the bearer token (env:WRONG_TOKEN)`);
    expect(err.message).not.toContain('not-the-token');
    expect(api.nodes.get('compute01')?.metadata.labels).toEqual({});
  });

  it('a node the cluster does not have is NotFound', async () => {
    const err = await driverError(driver().relabelNode(node({ a: 'b' }), ctx()), 'NotFound');
    expect(err.message).toBe(`Kubernetes at ${api.url} has no Node compute01 (design node compute01 (site/nodes.yaml:12)); a node appears once its kubelet has joined the cluster`);
    expect(err.retryable).toBe(false);
  });

  it.each([409, 429, 503])('HTTP %i is Busy (retryable) and carries Retry-After', async (code) => {
    api.addNode('compute01');
    api.failNext(code, { method: 'PATCH', retryAfter: 7 });
    const err = await driverError(driver().relabelNode(node({ a: 'b' }), ctx()), 'Busy');
    expect(err.retryable).toBe(true);
    expect(err.retryAfterSeconds).toBe(7);
    expect(err.details.httpStatus).toBe(code);
  });

  it('a Node changed between the read and the patch answers 409 through the resourceVersion precondition: Busy', async () => {
    api.addNode('compute01');
    api.onServed = (r) => {
      const current = api.nodes.get('compute01');
      if (r.method === 'GET' && current) api.nodes.set('compute01', { ...current, metadata: { ...current.metadata, resourceVersion: 'written-by-someone-else' } });
    };
    try {
      const err = await driverError(driver().relabelNode(node({ a: 'b' }), ctx()), 'Busy');
      expect(err.message).toContain('the object has been modified');
      expect(api.nodes.get('compute01')?.metadata.labels).toEqual({});
    } finally {
      api.onServed = undefined;
    }
  });

  it('labels Kubernetes would refuse are InvalidRequest before any request', async () => {
    const err = await driverError(driver().relabelNode(node({ 'bad key!': 'x', ok: 'has space' }), ctx()), 'InvalidRequest');
    expect(err.message).toMatch(/node compute01 \(site\/nodes.yaml:12\): labels Kubernetes does not accept: "bad key!": the name "bad key!" must be 1-63 characters.*; "ok": values must be empty or 1-63 characters/);
    expect(api.requests).toEqual([]);
  });

  describe('TLS', () => {
    it('without the CA bundle the server certificate is not trusted: AuthFailed, saying what to set', async () => {
      const err = await driverError(driver({ caBundle: undefined }).validateKubernetesServices(ctx()), 'AuthFailed');
      expect(err.message).toMatch(/the server's TLS certificate is not trusted \((UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)\); give the cluster's CA in drivers.kubernetes.ca_bundle/);
      expect(api.requests).toEqual([]);
    });

    it('accepts the CA as PEM text too, and `insecure` skips verification', async () => {
      const { readFileSync } = await import('node:fs');
      expect((await driver({ caBundle: readFileSync(ca.caPath, 'utf8') }).validateKubernetesServices(ctx())).ok).toBe(true);
      expect((await driver({ caBundle: undefined, insecure: true }).validateKubernetesServices(ctx())).ok).toBe(true);
    });

    it('an unreadable CA bundle file is InvalidRequest', async () => {
      const err = await driverError(driver({ caBundle: '/nonexistent/ca.crt' }).validateKubernetesServices(ctx()), 'InvalidRequest');
      expect(err.message).toContain('cannot read the Kubernetes CA bundle /nonexistent/ca.crt (Region drivers.kubernetes.ca_bundle): ENOENT');
    });
  });

  it('an API server nobody answers for is Unreachable (retryable)', async () => {
    const port = await freePort();
    const err = await driverError(createKubernetesDriver({ type: 'kubernetes', apiUrl: `https://127.0.0.1:${port}`, token: 'env:KUBE_TOKEN' }, { secrets }).validateKubernetesServices(ctx()), 'Unreachable');
    expect(err.retryable).toBe(true);
    expect(err.message).toContain('ECONNREFUSED');
  });

  it('a token reference that cannot be resolved is InvalidRequest', async () => {
    const err = await driverError(driver({ token: 'env:NO_SUCH_TOKEN_VAR' }).validateKubernetesServices(ctx()), 'InvalidRequest');
    expect(err.message).toContain('NO_SUCH_TOKEN_VAR');
  });

  it('an aborted action stops with the abort reason', async () => {
    api.addNode('compute01');
    const controller = new AbortController();
    controller.abort(new Error('activity cancelled'));
    await expect(driver().relabelNode(node({ a: 'b' }), standaloneContext({ signal: controller.signal }))).rejects.toThrow('activity cancelled');
  });

  it('refuses unknown driver types clearly', () => {
    expect(() => createKubernetesDriver({ type: 'carrier-pigeon' } as unknown as KubernetesDriverConfig, { secrets })).toThrow(/Kubernetes driver type "carrier-pigeon" is not available in this build/);
  });
});
