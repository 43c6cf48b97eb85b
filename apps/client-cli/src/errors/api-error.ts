/** The scheduler answered with an error (`{ error: { code, message } }` or a bare HTTP failure). */
export class ApiError extends Error {
  override readonly name = 'ApiError';

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}
