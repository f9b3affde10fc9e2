import type { Finding } from '../findings';
import { nodeFinding, Rule } from './context';

/** Drydock's LibvirtValidity: a libvirt node has a qemu+ssh:// URI for its hypervisor and a boot MAC. */
export const libvirtValidity: Rule = {
  code: 'libvirt-validity',
  run(ctx) {
    const out: Finding[] = [];
    for (const node of ctx.nodes) {
      if (node.model.oob.type !== 'libvirt') continue;
      const uri = node.model.oob.params.libvirt_uri;
      if (uri === undefined || uri === '') out.push(nodeFinding('libvirt-validity', node, ['oob'], `libvirt node ${node.model.name} has no oob.libvirt_uri (e.g. qemu+ssh://virt@hypervisor1/system)`));
      else if (typeof uri !== 'string' || !uri.startsWith('qemu+ssh://')) out.push(nodeFinding('libvirt-validity', node, ['oob', 'libvirt_uri'], `oob.libvirt_uri of node ${node.model.name} must use the qemu+ssh:// scheme`));
      if (node.model.bootMac === undefined) out.push(nodeFinding('libvirt-validity', node, ['metadata'], `libvirt node ${node.model.name} needs its PXE MAC address in metadata.boot_mac`));
    }
    return out;
  },
};
