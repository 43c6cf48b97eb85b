import { Readable } from 'node:stream';
import { Hono } from 'hono';
import { ImageId } from '@draas/queue-contracts';
import { BadRequest, Forbidden, NotFound, Unauthorized } from '../../errors.js';
import type { ImageCache } from '../../images/image-cache.js';
import type { ImageTokens } from '../../images/image-tokens.js';
import { presentedToken, type Access } from '../auth.js';

/**
 * GET /api/images/sha256:<hex>: the image as `docker save` writes it, for `docker load` on an
 * agent whose engine lacks it. Content-addressed (the id is the content's digest, so an answer never
 * goes stale) and guarded by the deploy job's download token for that image, or the admin token.
 */
export function imageRoutes(tokens: ImageTokens, cache: ImageCache, access: Access): Hono {
  const app = new Hono();
  app.get('/:id', async (c) => {
    const id = ImageId.safeParse(c.req.param('id'));
    if (!id.success) throw new BadRequest(`"${c.req.param('id').slice(0, 80)}" is not an image id: expected sha256: and 64 hex digits`);
    const given = presentedToken(c)?.token ?? null;
    const role = access.roleOf(given);
    if (role !== 'admin' && !(given !== null && tokens.matches(id.data, given))) {
      // Images may hold the source they were built from: looking at deployments is not enough.
      if (role === 'read') throw new Forbidden('a read-only token may not download images');
      throw new Unauthorized("an image download needs its deploy job's image token or the admin token (Authorization: Bearer ...)");
    }
    const etag = `"${id.data}"`;
    if (c.req.header('if-none-match') === etag) return c.body(null, 304, { etag });
    const headers = { 'content-type': 'application/x-tar', etag, 'cache-control': 'private, max-age=31536000, immutable' };
    const missing = () => new NotFound(`this scheduler's engine has no image ${id.data}`);
    if (c.req.method === 'HEAD') {
      const saved = await cache.get(id.data);
      if (!saved) throw missing();
      return c.body(null, 200, { ...headers, 'content-length': String(saved.bytes) });
    }
    const image = await cache.open(id.data);
    if (!image) throw missing();
    // Without a length while the first save is still streaming from the engine (chunked).
    return c.body(Readable.toWeb(image.stream) as ReadableStream, 200, image.bytes === null ? headers : { ...headers, 'content-length': String(image.bytes) });
  });
  return app;
}
