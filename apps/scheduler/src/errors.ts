// The scheduler's domain errors. Each only carries an HTTP status and a stable code, so they share one
// module; http/errors.ts is the one place they become responses.

/** Base of every error the API maps to a response: an HTTP status, a stable code, a message that says what to fix. */
export abstract class AppError extends Error {
  abstract readonly status: 400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 | 503;
  abstract readonly code: string;
}

/** The uploaded archive cannot be built: not a ZIP, unsafe entries, too big, or no Dockerfile. */
export class BadArchive extends AppError {
  override readonly name = 'BadArchive';
  readonly status = 400;
  readonly code = 'bad_archive';
}

/** The request is malformed or a value is invalid. */
export class BadRequest extends AppError {
  override readonly name = 'BadRequest';
  readonly status = 400;
  readonly code = 'bad_request';
}

/** The request contradicts the current state. */
export class Conflict extends AppError {
  override readonly name = 'Conflict';
  readonly status = 409;
  readonly code = 'conflict';
}

/** The token is valid but may not do this (a read-only token asking to change something). */
export class Forbidden extends AppError {
  override readonly name = 'Forbidden';
  readonly status = 403;
  readonly code = 'forbidden';
}

/** The deployment (or other resource) does not exist. */
export class NotFound extends AppError {
  override readonly name = 'NotFound';
  readonly status = 404;
  readonly code = 'not_found';
}

/** The upload is larger than MAX_UPLOAD_BYTES. */
export class PayloadTooLarge extends AppError {
  override readonly name = 'PayloadTooLarge';
  readonly status = 413;
  readonly code = 'payload_too_large';
}

/** No token, or a wrong one. */
export class Unauthorized extends AppError {
  override readonly name = 'Unauthorized';
  readonly status = 401;
  readonly code = 'unauthorized';
}

/** A dependency (Redis, Docker) cannot be reached right now. */
export class Unavailable extends AppError {
  override readonly name = 'Unavailable';
  readonly status = 503;
  readonly code = 'unavailable';
}

/** The Content-Type is not one the route takes. */
export class UnsupportedMediaType extends AppError {
  override readonly name = 'UnsupportedMediaType';
  readonly status = 415;
  readonly code = 'unsupported_media_type';
}

/**
 * The router's Caddy did not take a configuration: its admin API did not answer, or answered with an
 * error (Caddy's own message is kept). Requests keep going through the config Caddy had before.
 */
export class RouterUnavailable extends AppError {
  override readonly name = 'RouterUnavailable';
  readonly status = 503;
  readonly code = 'router_unavailable';

  constructor(
    /** The admin API asked, e.g. `http://127.0.0.1:2019`. */
    readonly adminUrl: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(`router at ${adminUrl}: ${message}`, options);
  }
}
