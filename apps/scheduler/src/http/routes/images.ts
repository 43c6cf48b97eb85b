import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { Hono } from 'hono';
import { ImageId } from '@draas/queue-contracts';
import { BadRequest, NotFound, Unauthorized } from '../../errors/index.js';
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
    const allowed = access.roleOf(given) === 'admin' || (given !== null && tokens.matches(id.data, given));
    if (!allowed) throw new Unauthorized('an image download needs its deploy job\'s image token or the admin token (Authorization: Bearer ...)');
    const etag = `"${id.data}"`;
    if (c.req.header('if-none-match') === etag) return c.body(null, 304, { etag });
    const image = await cache.get(id.data);
    if (!image) throw new NotFound(`this scheduler's engine has no image ${id.data}`);
    const headers = {
      'content-type': 'application/x-tar',
      'content-length': String(image.bytes),
      etag,
      'cache-control': 'private, max-age=31536000, immutable',
    };
    if (c.req.method === 'HEAD') return c.body(null, 200, headers);
    return c.body(Readable.toWeb(createReadStream(image.file)) as ReadableStream, 200, headers);
  });
  return app;
}
