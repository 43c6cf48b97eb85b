/**
 * The image is not on this agent's engine and could not be fetched. `transient`: a source that may
 * answer later failed (a scheduler restarting), so the job is tried again; otherwise retrying cannot help.
 */
export class ImageUnavailableError extends Error {
  override name = 'ImageUnavailableError';

  constructor(
    image: string,
    cause: string,
    readonly transient = false,
  ) {
    super(`image ${image} is not on this agent's engine and could not be fetched: ${cause}`);
  }
}
