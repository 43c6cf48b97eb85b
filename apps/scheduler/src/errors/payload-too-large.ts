import { AppError } from './app-error.js';

/** The upload is larger than MAX_UPLOAD_BYTES. */
export class PayloadTooLarge extends AppError {
  override readonly name = 'PayloadTooLarge';
  readonly status = 413;
  readonly code = 'payload_too_large';
}
