import { AppError } from './app-error.js';

/** The request contradicts the current state. */
export class Conflict extends AppError {
  override readonly name = 'Conflict';
  readonly status = 409;
  readonly code = 'conflict';
}
