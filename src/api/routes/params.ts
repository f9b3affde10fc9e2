import { badRequest } from '../errors';

const TRUE = new Set(['true', 'True', 'TRUE', 't', 'T', 'yes', 'y', 'on', '1']);
const FALSE = new Set(['false', 'False', 'FALSE', 'f', 'F', 'no', 'n', 'off', '0']);

/** falcon's get_param_as_bool: absent is false, anything but a boolean word is a 400. */
export function boolParam(value: string | undefined, name: string): boolean {
  if (value === undefined || value === '') return false;
  if (TRUE.has(value)) return true;
  if (FALSE.has(value)) return false;
  throw badRequest(`The "${name}" parameter is invalid: "${value}" is not true or false`);
}
