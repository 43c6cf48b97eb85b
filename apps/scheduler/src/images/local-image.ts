import type Docker from 'dockerode';

/** The id of the image `ref` names on this engine, or null when the engine has no such image. */
export async function localImageId(docker: Docker, ref: string): Promise<string | null> {
  try {
    return (await docker.getImage(ref).inspect()).Id;
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return null;
    throw err;
  }
}
