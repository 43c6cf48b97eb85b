import { AppError } from './app-error.js';

/** The deployment (or other resource) does not exist. */
export class NotFound extends AppError {
  override readonly name = 'NotFound';
  readonly status = 404;
  readonly code = 'not_found';
}
