/** The user's command line or environment is wrong; the message says what to fix. Nothing was sent. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
