/** Base of every error the API maps to a response: an HTTP status, a stable code, a message that says what to fix. */
export abstract class AppError extends Error {
  abstract readonly status: 400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 | 503;
  abstract readonly code: string;
}
