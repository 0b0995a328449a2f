/**
 * The vendor's query-parameter messages (pydantic-style, as its API answers) for the kit's
 * QueryReader: brackets (`group_by[]=a`) and bare or repeated names are both accepted.
 */
import type { QueryOptions } from '../../../src/emulator-kit/query.js';

export { QueryReader } from '../../../src/emulator-kit/query.js';

export const QUERY_OPTIONS: QueryOptions = {
  arrays: ['brackets', 'repeat'],
  messages: {
    repeated: (name) => `${name}: may be given only once`,
    required: (name) => `${name}: Field required`,
    tooManyItems: (name, max) => `${name}[]: at most ${max} entries`,
    notInList: (name, v, allowed) =>
      `${name}[]: unsupported value '${v}'; expected one of ${allowed.join(', ')}`,
    notChoice: (name, _v, allowed) => `${name}: Input should be ${allowed.map((a) => `'${a}'`).join(' or ')}`,
    notInteger: (name) => `${name}: Input should be a valid integer`,
    tooSmall: (name, min) => `${name}: Input should be greater than or equal to ${min}`,
    tooLarge: (name, max) => `${name}: Input should be less than or equal to ${max}`,
    notBoolean: (name) => `${name}: Input should be a valid boolean ('true' or 'false')`,
    notDay: (name) => `${name}: Input should be a valid date in YYYY-MM-DD format`,
    notInstant: (name) =>
      `${name}: Input should be a valid RFC 3339 datetime with a timezone, e.g. 2026-03-01T00:00:00Z`,
  },
};
