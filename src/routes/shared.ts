import { Type } from '@sinclair/typebox';

const ErrorRef = Type.Ref('ErrorEnvelope');

/** Every route answers its failures with the one envelope. */
export const errorResponses = {
  '4xx': ErrorRef,
  '5xx': ErrorRef,
} as const;
