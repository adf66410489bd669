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

/** The 404 of a request no route (and no UI file) answers. */
export function noRoute(req: { method: string; url: string }): ApiError {
  return new ApiError('not_found', `no route ${req.method} ${req.url.split('?')[0]}`);
}
