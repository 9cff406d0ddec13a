/**
 * MLflow's error shape: `{ error_code, message }`, with the HTTP status its server gives
 * each code, so clients written for MLflow read our refusals as they read its own.
 */
export type TrackingErrorCode = 'INVALID_PARAMETER_VALUE' | 'RESOURCE_DOES_NOT_EXIST' | 'RESOURCE_ALREADY_EXISTS' | 'INVALID_STATE' | 'ENDPOINT_NOT_FOUND' | 'UNAUTHENTICATED' | 'INTERNAL_ERROR' | 'TEMPORARILY_UNAVAILABLE';

export const HTTP_STATUS: Record<TrackingErrorCode, number> = {
  INVALID_PARAMETER_VALUE: 400, RESOURCE_ALREADY_EXISTS: 400, INVALID_STATE: 400, RESOURCE_DOES_NOT_EXIST: 404,
  ENDPOINT_NOT_FOUND: 404, UNAUTHENTICATED: 401, INTERNAL_ERROR: 500, TEMPORARILY_UNAVAILABLE: 503,
};

export class TrackingError extends Error {
  constructor(readonly code: TrackingErrorCode, message: string) {
    super(message);
  }
}
