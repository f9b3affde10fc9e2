import { request } from 'node:https';
import { startVendorRedfish } from '../../../../lab/redfish/vendor/server';
import { treeDir } from '../../../support/redfish-payloads';
import { BASIC, PASSWORD, USER } from './http';

function get(url: string, ca?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca, headers: { Authorization: BASIC } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('lab vendor Redfish over HTTPS (a self-signed certificate, as BMCs ship)', () => {
  it('serves with its certificate trusted and fails verification without it', async () => {
    const svc = await startVendorRedfish({ treeDir: treeDir('libredfish/hpe'), credentials: { username: USER, password: PASSWORD }, tls: true });
    try {
      expect(svc.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      expect(svc.certificatePem).toContain('BEGIN CERTIFICATE');
      const ok = await get(`${svc.url}/redfish/v1/Systems/1`, svc.certificatePem);
      expect(ok.status).toBe(200);
      expect((JSON.parse(ok.body) as { Id: string }).Id).toBe('1');
      await expect(get(`${svc.url}/redfish/v1/Systems/1`)).rejects.toThrow(/self[- ]signed/i);
    } finally {
      await svc.stop();
    }
  });
});
