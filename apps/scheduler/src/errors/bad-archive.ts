import { AppError } from './app-error.js';

/** The uploaded archive cannot be built: not a ZIP, unsafe entries, too big, or no Dockerfile. */
export class BadArchive extends AppError {
  override readonly name = 'BadArchive';
  readonly status = 400;
  readonly code = 'bad_archive';
}
