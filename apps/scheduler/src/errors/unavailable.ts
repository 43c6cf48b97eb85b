import { AppError } from './app-error.js';

/** A dependency (Redis, Docker) cannot be reached right now. */
export class Unavailable extends AppError {
  override readonly name = 'Unavailable';
  readonly status = 503;
  readonly code = 'unavailable';
}
