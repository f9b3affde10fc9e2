import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KeystoneVerifier } from '../../../src/api/auth/keystone';

// A fake Keystone (no Keystone can run here): it answers GET /v3/auth/tokens the way Keystone's
// identity API v3 documents, 200 with the token body for a valid subject token, 404 otherwise.
describe('Keystone token verifier (against a fake Keystone)', () => {
  it('accepts a token Keystone validates, with its user, project and roles, caches it, and refuses others', async () => {
    let calls = 0;
    const server = createServer((req, res) => {
      calls += 1;
      const subject = req.headers['x-subject-token'];
      if (req.url !== '/v3/auth/tokens' || subject !== 'good' || req.headers['x-auth-token'] !== 'good') return void res.writeHead(404).end();
      res.writeHead(200, { 'Content-Type': 'application/json', 'X-Subject-Token': 'good' }).end(
        JSON.stringify({
          token: {
            expires_at: new Date(Date.now() + 3600_000).toISOString(),
            is_admin_project: false,
            user: { id: 'u1', name: 'shipyard', domain: { id: 'default' } },
            project: { id: 'p1', name: 'service', domain: { id: 'default' } },
            roles: [{ id: 'r1', name: 'admin' }],
          },
        }),
      );
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const v = new KeystoneVerifier({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` });
      expect(await v.verify('good')).toEqual({
        user: 'shipyard',
        userId: 'u1',
        userDomainId: 'default',
        project: 'service',
        projectId: 'p1',
        projectDomainId: 'default',
        roles: ['admin'],
        isAdminProject: false,
        via: 'keystone',
      });
      expect(await v.verify('good')).toMatchObject({ user: 'shipyard' });
      expect(calls).toBe(1);
      expect(await v.verify('bad')).toBeUndefined();
      expect(await new KeystoneVerifier({ url: 'http://127.0.0.1:1' }).verify('good')).toBeUndefined();
    } finally {
      server.close();
    }
  });
});
