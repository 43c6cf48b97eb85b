import { ApiError } from './api-error.js';

/** The scheduler knows no app of that name (404 on an /api/apps/:name route). */
export class UnknownAppError extends ApiError {
  // Its name stays ApiError's: main reports it as one (with the status and code).
  constructor(
    readonly app: string,
    code: string,
  ) {
    super(404, code, `no app named "${app}"; list the apps with: draas apps`);
  }
}
