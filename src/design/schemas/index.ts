import type { z } from 'zod';
import type { DesignKind } from '../model';
import { bootActionSchema } from './boot-action';
import { hardwareProfileSchema } from './hardware-profile';
import { baremetalNodeSchema, hostProfileSchema } from './host-profile';
import { networkSchema } from './network';
import { networkLinkSchema } from './network-link';
import { rackSchema } from './rack';
import { regionSchema } from './region';

/** The schema of the `data` (Deckhand) / `spec` (legacy) section of each kind. */
export const KIND_SCHEMAS = {
  Region: regionSchema,
  Rack: rackSchema,
  NetworkLink: networkLinkSchema,
  Network: networkSchema,
  HardwareProfile: hardwareProfileSchema,
  HostProfile: hostProfileSchema,
  BaremetalNode: baremetalNodeSchema,
  BootAction: bootActionSchema,
} as const satisfies Record<DesignKind, z.ZodType>;

export const DESIGN_KINDS = Object.keys(KIND_SCHEMAS) as DesignKind[];

export type KindData<K extends DesignKind> = z.infer<(typeof KIND_SCHEMAS)[K]>;

export * from './boot-action';
export * from './hardware-profile';
export * from './host-profile';
export * from './network';
export * from './network-link';
export * from './rack';
export * from './region';
export { isIpAddress, isNegation } from './common';
