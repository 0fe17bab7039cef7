/** Stable machine-readable error codes. The client maps these to messages. */
export const ERROR_CODES = [
  'validation_failed',
  'invalid_json',
  'invalid_body',
  'unsupported_media_type',
  'payload_too_large',
  'unauthenticated',
  'forbidden',
  'csrf_failed',
  'not_found',
  'conflict',
  'rate_limited',
  'outside_force_area',
  'invalid_credentials',
  'db_unavailable',
  'upstream_failed',
  'internal',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ErrorBody {
  error: {
    code: ErrorCode;
    message: string;
    details?: Array<{ path: string; message: string }>;
  };
}
