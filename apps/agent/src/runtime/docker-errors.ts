// How a Docker failure should be handled: retried (the engine may recover) or reported as final.

export type DockerErrorKind = 'not-found' | 'conflict' | 'permanent' | 'transient';

// Engine answers (HTTP 500 included) that no retry can fix: the image or the config is wrong.
const PERMANENT_MESSAGES = /OCI runtime|executable file not found|invalid (argument|reference|mount|port|memory)|Minimum memory limit|no command specified|not a directory|exec format error/i;

export function dockerStatusCode(err: unknown): number | null {
  const code = (err as { statusCode?: unknown } | null)?.statusCode;
  return typeof code === 'number' ? code : null;
}

export function classifyDockerError(err: unknown): DockerErrorKind {
  const status = dockerStatusCode(err);
  const message = err instanceof Error ? err.message : String(err);
  if (status === 404) return 'not-found';
  if (status === 409) return 'conflict';
  // No HTTP answer from the engine: the socket or the daemon is away (or Redis failed in between),
  // which may pass. Only the engine's own answer can prove a failure permanent.
  if (status === null) return 'transient';
  if (PERMANENT_MESSAGES.test(message)) return 'permanent';
  if (status >= 400 && status < 500) return 'permanent';
  return 'transient';
}

/** The engine's own words, without dockerode's "(HTTP code 500) server error -" wrapping. */
export function dockerMessage(err: unknown): string {
  const json = (err as { json?: { message?: unknown } } | null)?.json;
  if (json && typeof json.message === 'string') return json.message.trim();
  const message = err instanceof Error ? err.message : String(err);
  return message.replace(/^\(HTTP code \d+\)\s*[^-]*-\s*/, '').trim();
}
