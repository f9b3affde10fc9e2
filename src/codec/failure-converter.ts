import { DefaultFailureConverter } from '@temporalio/common';

/**
 * Failure messages and stack traces moved into an encoded payload (`encodedAttributes`), which
 * the payload codec then encrypts: an error message naming a node, a BMC address or a MAC stays
 * out of the history in plaintext. The failure's visible message becomes "Encoded failure".
 *
 * A module of its own with a `failureConverter` export, as Worker's `failureConverterPath`
 * wants: it is loaded into the workflow sandbox too, so it imports nothing but @temporalio/common.
 */
export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
