import type { ExtendedMessage } from '../messages';
import { GENERIC_DEFAULTS, type VendorProfile } from './profile';

/**
 * HPE iLO 5 (libredfish/hpe, DL385 Gen10 Plus v2; pypi/hpe-ilo5-110).
 *
 * - Weak ETags, in the body (the captures) and as an ETag header on every answer (real iLO answers
 *   quoted with headers in github.com/goldyfruit/ansible-ilo/issues/1 and
 *   ansible-collections/community.general#3509: `ETag: W/"586ADDC4"`).
 * - A reset into the power state the server is already in is refused: 400
 *   iLO.2.16.InvalidOperationForSystemState with MessageArgs ["Power is on"] / ["Power is off"]
 *   (real answers quoted in ansible-ilo#1 and a redfish-bash transcript; HPE's iLO 5 message
 *   registry: "The operation was not successful due to the current power state").
 * - While the server is in POST, a Boot override PATCH is refused with 400
 *   iLO.2.37.UnableToModifyDuringSystemPOST naming the property (a real iLO 5 answer quoted in
 *   github.com/ironcore-dev/metal-operator/issues/997), and a reset with
 *   InvalidOperationForSystemState, which OpenStack sushy retries as "iLO not ready" (sushy connector
 *   test test_op_retry_on_server_400_ilo_not_ready).
 * - An accepted reset or PATCH answers 200 with Base Success in the iLO frame instead of the resource
 *   (the redfish-bash transcript for a reset, community.general#3509 for a Boot PATCH of /Systems/1/:
 *   `{"error":{"code":"iLO.0.10.ExtendedInfo",...,"@Message.ExtendedInfo":[{"MessageId":"Base.1.4.Success"}]}}`).
 * - Boot writes go to the System itself: the captures carry no `@Redfish.Settings` on it. Whether
 *   iLO applies a BootOrder at once or at the next boot is not documented in the sources at hand;
 *   DSP0266's generic rule (the change is visible on read-back) applies.
 */
export const hpeProfile: VendorProfile = {
  ...GENERIC_DEFAULTS,
  id: 'hpe',
  family: 'HPE iLO',
  // The Base registry version of a real iLO 5 answer quoted above (Base.1.4.Success).
  base: 'Base.1.4',
  errorStyle: 'ilo',
  etagHeader: 'computed',
  samePowerStateReset: (powerState, resetType): ExtendedMessage | undefined => {
    const toOn = resetType === 'On' || resetType === 'ForceOn';
    const needsOn = ['ForceOff', 'GracefulShutdown', 'ForceRestart', 'GracefulRestart', 'Nmi'].includes(resetType);
    if (toOn && powerState === 'On') return { MessageId: 'iLO.2.16.InvalidOperationForSystemState', MessageArgs: ['Power is on'] };
    if (needsOn && powerState === 'Off') return { MessageId: 'iLO.2.16.InvalidOperationForSystemState', MessageArgs: ['Power is off'] };
    return undefined;
  },
  busy: {
    status: 400,
    message: (op, firstProperty): ExtendedMessage =>
      op === 'patch-boot'
        ? { MessageId: 'iLO.2.37.UnableToModifyDuringSystemPOST', MessageArgs: [firstProperty ?? 'Boot'] }
        : { MessageId: 'iLO.2.15.InvalidOperationForSystemState' },
  },
  resetStatus: 200,
  patchBody: (base) => iloSuccess(base),
  resetBody: (base) => iloSuccess(base),
};

function iloSuccess(base: string): unknown {
  return { error: { code: 'iLO.0.10.ExtendedInfo', message: 'See @Message.ExtendedInfo for more information.', '@Message.ExtendedInfo': [{ MessageId: `${base}.Success` }] } };
}
