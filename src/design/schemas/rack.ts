import { z } from 'zod';
import { ipAddress, labels, str, strList } from './common';

/** EXTENSION: manage the switch over SSH (a Linux vlan-aware bridge). */
const torSsh = z
  .strictObject({
    port: z.number().int().min(1).max(65535).optional(),
    user: str,
    key: str,
    host_key_fingerprint: z.string().regex(/^SHA256:[A-Za-z0-9+/]{43}=?$/, { error: 'must be an OpenSSH SHA256 fingerprint, e.g. SHA256:nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8' }).optional(),
    known_hosts: str.optional(),
    bridge: str.optional(),
  })
  .refine((s) => s.host_key_fingerprint !== undefined || s.known_hosts !== undefined, {
    error: 'give host_key_fingerprint or known_hosts, so that the switch host key is verified',
  });

const torSwitch = z.strictObject({
  mgmt_ip: ipAddress.optional(),
  sdn_api_uri: str.optional(),
  ssh: torSsh.optional(),
});

export const rackSchema = z.strictObject({
  tor_switches: z.record(z.string(), torSwitch).optional(),
  location: z.record(z.string(), str).optional(),
  local_networks: strList.optional(),
  labels: labels.optional(),
});

export type RackData = z.infer<typeof rackSchema>;
