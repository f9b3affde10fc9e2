import { z } from 'zod';
import { labels, str, strList } from './common';

/**
 * HostProfile and BaremetalNode (a BaremetalNode is a HostProfile plus addresses). Names,
 * list items and dict keys may carry Drydock's `!` prefix to remove an inherited entry, and a
 * scalar of `!` unsets the inherited value.
 */

const filesystem = z.strictObject({
  mountpoint: str.optional(),
  fstype: str.optional(),
  mount_options: str.optional(),
  fs_uuid: str.optional(),
  fs_label: str.optional(),
});

const partition = z.strictObject({
  name: str,
  size: str.optional(),
  part_uuid: str.optional(),
  volume_group: str.optional(),
  labels: z.record(z.string(), str).optional(),
  bootable: z.boolean().optional(),
  filesystem: filesystem.optional(),
});

const physicalDevice = z.strictObject({
  labels: z.record(z.string(), str).optional(),
  volume_group: str.optional(),
  partitions: z.array(partition).optional(),
});

const logicalVolume = z.strictObject({
  name: str,
  lv_uuid: str.optional(),
  size: str.optional(),
  filesystem: filesystem.optional(),
});

const volumeGroup = z.strictObject({
  vg_uuid: str.optional(),
  logical_volumes: z.array(logicalVolume).optional(),
});

const storage = z.strictObject({
  /** A null value removes the inherited device (as does a `!name` key). */
  physical_devices: z.record(z.string(), physicalDevice.nullable()).optional(),
  volume_groups: z.record(z.string(), volumeGroup.nullable()).optional(),
});

const platform = z.strictObject({
  image: str.optional(),
  kernel: str.optional(),
  /** `name: value`; `true` or an empty value is a flag; `hardwareprofile:...` values are references. */
  kernel_params: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).optional(),
});

const metadata = z.strictObject({
  tags: strList.optional(),
  /** The node's labels. */
  owner_data: z.record(z.string(), str).optional(),
  rack: str.optional(),
  boot_mac: z
    .string()
    .regex(/^(!|([0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2})$/, { error: 'must be a MAC address, e.g. 52:54:00:12:34:56' })
    .optional(),
});

/** EXTENSION: the switch ports an interface's slaves are cabled to. */
const switchPort = z.strictObject({ switch: str, port: str });

const hostInterface = z.strictObject({
  device_link: str.optional(),
  slaves: strList.optional(),
  networks: strList.optional(),
  /** Drydock's schema says `trustmode`, its code reads `trustedmode`: both are accepted. */
  sriov: z.strictObject({ vf_count: z.number().int().nonnegative().optional(), trustmode: z.boolean().optional(), trustedmode: z.boolean().optional() }).optional(),
  labels: labels.optional(),
  switch_ports: z.array(switchPort).optional(),
});

/** Drydock allows any `oob.*` key (drivers read their own); typed where we know the meaning. */
const oob = z.looseObject({
  type: str.optional(),
  network: str.optional(),
  account: str.optional(),
  credential: str.optional(),
  /** EXTENSION: the BMC address, when it is not the node's address on `oob.network`. */
  address: str.optional(),
  /** EXTENSION: the BMC port. */
  port: z.number().int().min(1).max(65535).optional(),
});

const hostShape = {
  oob: oob.optional(),
  storage: storage.optional(),
  platform: platform.optional(),
  metadata: metadata.optional(),
  host_profile: str.optional(),
  hardware_profile: str.optional(),
  primary_network: str.optional(),
  /** A null value removes the inherited interface (as does a `!name` key). */
  interfaces: z.record(z.string(), hostInterface.nullable()).optional(),
};

export const hostProfileSchema = z.strictObject(hostShape);

export const baremetalNodeSchema = z.strictObject({
  ...hostShape,
  addressing: z
    .array(z.strictObject({ network: str, address: str }))
    .min(1, { error: 'a BaremetalNode needs at least one address (use `address: dhcp` for a DHCP-configured network)' }),
});

export type HostProfileData = z.infer<typeof hostProfileSchema>;
export type BaremetalNodeData = z.infer<typeof baremetalNodeSchema>;
export type HostInterfaceData = z.infer<typeof hostInterface>;
export type PhysicalDeviceData = z.infer<typeof physicalDevice>;
export type PartitionData = z.infer<typeof partition>;
export type VolumeGroupData = z.infer<typeof volumeGroup>;
export type LogicalVolumeData = z.infer<typeof logicalVolume>;
export type FilesystemData = z.infer<typeof filesystem>;
