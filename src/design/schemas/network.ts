import { z } from 'zod';
import { ipAddress, labels, num, str } from './common';

export const networkSchema = z.strictObject({
  cidr: str,
  ranges: z.array(z.strictObject({ type: z.enum(['static', 'dhcp', 'reserved']), start: ipAddress, end: ipAddress })).optional(),
  /** `servers` is a comma-separated list, as in Drydock. */
  dns: z.strictObject({ domain: str.optional(), servers: str.optional() }).optional(),
  dhcp_relay: z.strictObject({ self_ip: ipAddress.optional(), upstream_target: ipAddress.optional() }).optional(),
  mtu: num.optional(),
  /** Drydock's schema wants a string; a number is accepted too. */
  vlan: z
    .union([z.string().regex(/^\d+$/), z.number().int()], { error: 'must be a VLAN id (1-4094), e.g. \'100\'' })
    .refine((v) => Number(v) >= 1 && Number(v) <= 4094, { error: 'must be a VLAN id between 1 and 4094' })
    .optional(),
  routedomain: str.optional(),
  routes: z
    .array(
      z.strictObject({
        subnet: str.optional(),
        gateway: ipAddress.optional(),
        metric: num.optional(),
        routedomain: str.optional(),
      }),
    )
    .optional(),
  labels: labels.optional(),
});

export type NetworkData = z.infer<typeof networkSchema>;
