import { AppError } from './app-error.js';

/** The token is valid but may not do this (a read-only token asking to change something). */
export class Forbidden extends AppError {
  override readonly name = 'Forbidden';
  readonly status = 403;
  readonly code = 'forbidden';
}
