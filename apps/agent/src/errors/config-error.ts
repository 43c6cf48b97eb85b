/** A setting that cannot be used; the message names the variable so the operator knows what to fix. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}
