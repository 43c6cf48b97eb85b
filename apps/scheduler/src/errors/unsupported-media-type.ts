import { AppError } from './app-error.js';

/** The Content-Type is not one the route takes. */
export class UnsupportedMediaType extends AppError {
  override readonly name = 'UnsupportedMediaType';
  readonly status = 415;
  readonly code = 'unsupported_media_type';
}
