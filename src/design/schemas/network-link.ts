import { z } from 'zod';
import { labels, num, str, strList } from './common';

export const BONDING_MODES = ['disabled', '802.3ad', 'active-backup', 'balance-rr'] as const;

export const networkLinkSchema = z.strictObject({
  bonding: z
    .strictObject({
      mode: z.enum(BONDING_MODES).optional(),
      hash: str.optional(),
      peer_rate: str.optional(),
      mon_rate: num.optional(),
      up_delay: num.optional(),
      down_delay: num.optional(),
    })
    .optional(),
  mtu: num.optional(),
  linkspeed: str.optional(),
  trunking: z.strictObject({ mode: z.enum(['disabled', '802.1q']).optional(), default_network: str.optional() }).optional(),
  allowed_networks: strList.optional(),
  labels: labels.optional(),
});

export type NetworkLinkData = z.infer<typeof networkLinkSchema>;
