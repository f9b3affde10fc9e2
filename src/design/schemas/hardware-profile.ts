import { z } from 'zod';
import { num, str } from './common';

export const hardwareProfileSchema = z.strictObject({
  vendor: str.optional(),
  generation: str.optional(),
  hw_version: str.optional(),
  bios_version: str.optional(),
  boot_mode: z.enum(['bios', 'uefi']).optional(),
  bootstrap_protocol: z.enum(['pxe', 'usb', 'hdd']).optional(),
  pxe_interface: num.optional(),
  device_aliases: z.record(z.string(), z.strictObject({ address: str, dev_type: str.optional(), bus_type: str.optional() })).optional(),
  cpu_sets: z.record(z.string(), str).optional(),
  hugepages: z.record(z.string(), z.strictObject({ size: str, count: z.number().int().nonnegative() })).optional(),
});

export type HardwareProfileData = z.infer<typeof hardwareProfileSchema>;
