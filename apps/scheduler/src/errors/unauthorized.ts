import { AppError } from './app-error.js';

/** No token, or a wrong one. */
export class Unauthorized extends AppError {
  override readonly name = 'Unauthorized';
  readonly status = 401;
  readonly code = 'unauthorized';
}
