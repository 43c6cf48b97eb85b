/** The image is neither on this agent's engine nor pullable: retrying the job cannot help. */
export class ImageUnavailableError extends Error {
  override name = 'ImageUnavailableError';

  constructor(image: string, cause: string) {
    super(`image ${image} is not on this agent's engine and could not be pulled: ${cause}`);
  }
}
