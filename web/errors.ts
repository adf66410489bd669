/**
 * The one envelope of the HTTP API (2N style): `{"success": true, "result": ...}` or
 * `{"success": false, "error": {"code": "config_invalid", "message": "...", ...details}}`.
 * Errors are values: a route returns or throws an ApiError, the error handler turns any
 * other error into the same envelope.
 */

/** Machine codes of the API errors, with their HTTP status. */
export const ERROR_STATUS = {
  bad_request: 400,
  invalid_body: 400,
  config_invalid: 400,
  autop_invalid: 400,
  weak_password: 400,
  unauthorized: 401,
  invalid_token: 401,
  wrong_password: 401,
  csrf_failed: 403,
  forbidden: 403,
  wrong_setup_code: 403,
  session_required: 403,
  not_dev: 403,
  not_found: 404,
  method_not_allowed: 405,
  already_set_up: 409,
  setup_required: 409,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  login_locked: 429,
  too_many: 429,
  internal: 500,
  service_unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: Record<string, unknown>;
  constructor(code: ErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.status = ERROR_STATUS[code];
    this.details = details;
  }
}

export type ErrorBody = {
  success: false;
  error: { code: ErrorCode; message: string } & Record<string, unknown>;
};

export function errorBody(err: ApiError): ErrorBody {
  return { success: false, error: { ...err.details, code: err.code, message: err.message } };
}

export function ok<T>(result: T): { success: true; result: T } {
  return { success: true, result };
}

/** The 503 of a route whose service is not running (the HAL or SIP part is absent or failed). */
export function unavailable(what: string): ApiError {
  return new ApiError('service_unavailable', `${what} is not available on this agent (the part is not running)`);
}

/** Maps the errors fastify raises itself (body too large, bad JSON, wrong content type ...). */
export function fromFastifyError(err: { statusCode?: number; code?: string; message: string }): ApiError {
  switch (err.statusCode) {
    case 413:
      return new ApiError('payload_too_large', 'the request body is too large');
    case 415:
      return new ApiError('unsupported_media_type', 'unsupported content type: send application/json');
    case 400:
      return new ApiError(
        'invalid_body',
        err.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' ? 'the body is empty' : err.message,
      );
    case 403:
      return new ApiError('forbidden', 'forbidden path');
    case 404:
      return new ApiError('not_found', 'no such resource');
    case 405:
      return new ApiError('method_not_allowed', err.message);
    default:
      return new ApiError('internal', 'internal error');
  }
}
