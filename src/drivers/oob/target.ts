import type { NodeModel } from '../../design/model';
import { CredentialResolutionError, SecretResolver } from '../../secrets/resolver';
import type { Secret } from '../../secrets/secret';
import { DriverError } from '../errors';
import type { OobTarget } from './interface';

/** Types whose actions never touch a BMC, so their credential is never resolved. */
const NO_CREDENTIAL_TYPES = new Set(['manual', 'sim']);

/**
 * Builds the driver's view of a node's BMC from the node model, resolving the credential
 * reference here (inside the activity or the CLI), never earlier. A reference that cannot be
 * resolved is an InvalidRequest naming the node and the reference, never a value.
 */
export function oobTargetFromNode(node: NodeModel, secrets: SecretResolver): OobTarget {
  const oob = node.oob as NodeModel['oob'] | undefined;
  if (!oob || typeof oob.type !== 'string' || oob.type === '') {
    throw new DriverError('bmc', 'InvalidRequest', `node ${node.name}: the node has no oob section with a type (ipmi, redfish or manual)`, { target: node.name });
  }
  let password: Secret | undefined;
  if (oob.credential && !NO_CREDENTIAL_TYPES.has(oob.type)) {
    try {
      password = secrets.resolve(oob.credential, `BMC password of node ${node.name}`);
    } catch (err) {
      if (err instanceof CredentialResolutionError) throw new DriverError('bmc', 'InvalidRequest', err.message, { target: node.name });
      throw err;
    }
  }
  return {
    node: node.name,
    type: oob.type,
    address: oob.address ?? '',
    port: oob.port,
    username: oob.account,
    password,
    params: oob.params ?? {},
    bootMac: node.bootMac,
  };
}
