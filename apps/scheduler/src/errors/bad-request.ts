import { AppError } from './app-error.js';

/** The request is malformed or a value is invalid. */
export class BadRequest extends AppError {
  override readonly name = 'BadRequest';
  readonly status = 400;
  readonly code = 'bad_request';
}
