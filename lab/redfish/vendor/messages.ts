import type { Json } from './tree';

/** One entry of `@Message.ExtendedInfo` (DSP0266, "Error responses"; Message schema). */
export interface ExtendedMessage {
  MessageId: string;
  Message?: string;
  MessageArgs?: string[];
  RelatedProperties?: string[];
  Severity?: string;
  Resolution?: string;
}

/**
 * How a vendor wraps `@Message.ExtendedInfo` in an error body. DSP0266 ("Error responses") fixes
 * the frame `{ "error": { "code", "message", "@Message.ExtendedInfo": [...] } }`; the vendors fill
 * `code` and `message` differently:
 * - generic (DSP0266): `code` is the first message's id, `message` its text.
 * - iLO: `code` `iLO.0.10.ExtendedInfo`, `message` "See @Message.ExtendedInfo for more information."
 *   (real iLO 5 answers quoted in github.com/goldyfruit/ansible-ilo/issues/1 and
 *   github.com/ironcore-dev/metal-operator/issues/997).
 * - iDRAC: `code` `Base.1.0.GeneralError`, `message` "A general error has occurred. See ExtendedInfo
 *   for more information", each message with Message, MessageArgs, RelatedProperties, Resolution,
 *   Severity (a real iDRAC answer quoted in github.com/dell/iDRAC-Redfish-Scripting/issues/10).
 */
export type ErrorStyle = 'generic' | 'ilo' | 'idrac';

export function errorBody(style: ErrorStyle, messages: ExtendedMessage[]): Json {
  const first = messages[0];
  const info = messages.map((m) =>
    style === 'idrac'
      ? {
          Message: m.Message ?? '',
          MessageArgs: m.MessageArgs ?? [],
          'MessageArgs@odata.count': (m.MessageArgs ?? []).length,
          MessageId: m.MessageId,
          RelatedProperties: m.RelatedProperties ?? [],
          'RelatedProperties@odata.count': (m.RelatedProperties ?? []).length,
          Resolution: m.Resolution ?? '',
          Severity: m.Severity ?? 'Warning',
        }
      : style === 'ilo'
        ? { MessageId: m.MessageId, ...(m.MessageArgs ? { MessageArgs: m.MessageArgs } : {}) }
        : { ...m },
  );
  if (style === 'ilo') {
    return { error: { code: 'iLO.0.10.ExtendedInfo', message: 'See @Message.ExtendedInfo for more information.', '@Message.ExtendedInfo': info } };
  }
  if (style === 'idrac') {
    return {
      error: {
        '@Message.ExtendedInfo': info,
        code: 'Base.1.0.GeneralError',
        message: 'A general error has occurred. See ExtendedInfo for more information',
      },
    };
  }
  return { error: { code: first?.MessageId ?? 'Base.1.0.GeneralError', message: first?.Message ?? 'A general error has occurred.', '@Message.ExtendedInfo': info } };
}

/**
 * Messages of DMTF's Base registry (DSP8011, Base.1.0.0 onwards; the text below is the registry's
 * Message format with its arguments filled in). `base` is the registry prefix the profile uses,
 * e.g. `Base.1.5` (dmtf/public-rackmount1/Registries/Base.1.5.0 in the capture) or `Base.1.0` where
 * a capture carries no registry: every id here exists since Base.1.0.0.
 */
export const baseMessages = {
  propertyValueNotInList: (base: string, value: string, prop: string, pointer = `#/Boot/${prop}`): ExtendedMessage => ({
    MessageId: `${base}.PropertyValueNotInList`,
    Message: `The value ${value} for the property ${prop} is not in the list of acceptable values.`,
    MessageArgs: [value, prop],
    RelatedProperties: [pointer],
    Severity: 'Warning',
    Resolution: 'Choose a value from the enumeration list that the implementation can support and resubmit the request if the operation failed.',
  }),
  propertyNotWritable: (base: string, prop: string): ExtendedMessage => ({
    MessageId: `${base}.PropertyNotWritable`,
    Message: `The property ${prop} is a read only property and cannot be assigned a value.`,
    MessageArgs: [prop],
    RelatedProperties: [`#/${prop}`],
    Severity: 'Warning',
    Resolution: 'Remove the property from the request body and resubmit the request if the operation failed.',
  }),
  propertyUnknown: (base: string, prop: string): ExtendedMessage => ({
    MessageId: `${base}.PropertyUnknown`,
    Message: `The property ${prop} is not in the list of valid properties for the resource.`,
    MessageArgs: [prop],
    RelatedProperties: [`#/${prop}`],
    Severity: 'Warning',
    Resolution: 'Remove the unknown property from the request body and resubmit the request if the operation failed.',
  }),
  propertyValueTypeError: (base: string, value: string, prop: string): ExtendedMessage => ({
    MessageId: `${base}.PropertyValueTypeError`,
    Message: `The value ${value} for the property ${prop} is of a different type than the property can accept.`,
    MessageArgs: [value, prop],
    RelatedProperties: [`#/${prop}`],
    Severity: 'Warning',
    Resolution: 'Correct the value for the property in the request body and resubmit the request if the operation failed.',
  }),
  malformedJson: (base: string): ExtendedMessage => ({
    MessageId: `${base}.MalformedJSON`,
    Message: 'The request body submitted was malformed JSON and could not be parsed by the receiving service.',
    Severity: 'Critical',
    Resolution: 'Ensure that the request body is valid JSON and resubmit the request.',
  }),
  actionParameterMissing: (base: string, action: string, param: string): ExtendedMessage => ({
    MessageId: `${base}.ActionParameterMissing`,
    Message: `The action ${action} requires the parameter ${param} to be present in the request body.`,
    MessageArgs: [action, param],
    Severity: 'Critical',
    Resolution: 'Supply the action with the required parameter in the request body when the request is resubmitted.',
  }),
  actionParameterValueNotInList: (base: string, value: string, param: string, action: string): ExtendedMessage => ({
    MessageId: `${base}.ActionParameterValueNotInList`,
    Message: `The value ${value} for the parameter ${param} in the action ${action} is not in the list of acceptable values.`,
    MessageArgs: [value, param, action],
    Severity: 'Warning',
    Resolution: 'Choose a value from the enumeration list that the implementation can support and resubmit the request if the operation failed.',
  }),
  preconditionFailed: (base: string): ExtendedMessage => ({
    MessageId: `${base}.PreconditionFailed`,
    Message: 'The ETag supplied did not match the ETag required to change this resource.',
    Severity: 'Critical',
    Resolution: 'Try the operation again using the appropriate ETag.',
  }),
  preconditionRequired: (base: string): ExtendedMessage => ({
    MessageId: `${base}.PreconditionRequired`,
    Message: 'A precondition header or annotation is required to change this resource.',
    Severity: 'Critical',
    Resolution: 'Try the operation again using an If-Match or If-None-Match header and appropriate ETag.',
  }),
  resourceMissingAtUri: (base: string, uri: string): ExtendedMessage => ({
    MessageId: `${base}.ResourceMissingAtURI`,
    Message: `The resource at the URI ${uri} was not found.`,
    MessageArgs: [uri],
    Severity: 'Critical',
    Resolution: 'Place a valid resource at the URI or correct the URI and resubmit the request.',
  }),
  noValidSession: (base: string): ExtendedMessage => ({
    MessageId: `${base}.NoValidSession`,
    Message: 'There is no valid session established with the implementation.',
    Severity: 'Critical',
    Resolution: 'Establish a session before attempting any operations.',
  }),
  operationNotAllowed: (base: string): ExtendedMessage => ({
    MessageId: `${base}.OperationNotAllowed`,
    Message: 'The HTTP method is not allowed on this resource.',
    Severity: 'Critical',
    Resolution: 'None.',
  }),
  success: (base: string): ExtendedMessage => ({ MessageId: `${base}.Success`, Message: 'The request completed successfully.', Severity: 'OK', Resolution: 'None' }),
};
