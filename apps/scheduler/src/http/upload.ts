import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import busboy from 'busboy';
import { BadRequest, PayloadTooLarge } from '../errors.js';

// Streams a multipart upload to disk under a size limit (busboy does the parsing: multipart is easy
// to get subtly wrong by hand), hashing it on the way. The partial file is removed on every failure,
// a client that disconnects mid-upload included.

export interface UploadedFile {
  path: string;
  bytes: number;
  sha256: string;
  filename: string;
}

export interface MultipartResult {
  fields: Record<string, string>;
  file: UploadedFile | null;
}

export interface MultipartOptions {
  fileField: string;
  /** Where the file goes. */
  dest: string;
  maxFileBytes: number;
  maxFields?: number;
  maxFieldBytes?: number;
}

export async function receiveMultipart(request: Request, options: MultipartOptions): Promise<MultipartResult> {
  if (!request.body) throw new BadRequest('the request has no body');
  const contentType = request.headers.get('content-type') ?? '';
  let parser: busboy.Busboy;
  try {
    parser = busboy({
      headers: { 'content-type': contentType },
      limits: { files: 1, fileSize: options.maxFileBytes, fields: options.maxFields ?? 32, fieldSize: options.maxFieldBytes ?? 256 * 1024, parts: 64 },
    });
  } catch (err) {
    throw new BadRequest(`cannot read the multipart body: ${(err as Error).message}`);
  }
  const fields: Record<string, string> = {};
  let file: UploadedFile | null = null;
  let writing: Promise<void> | null = null;
  let failure: Error | null = null;
  parser.on('field', (name, value, info) => {
    if (info.valueTruncated) failure ??= new BadRequest(`field "${name}" is too long`);
    fields[name] = value;
  });
  parser.on('file', (name, stream, info) => {
    if (name !== options.fileField) {
      failure ??= new BadRequest(`unexpected file field "${name}"; send the ZIP in the field "${options.fileField}"`);
      stream.resume();
      return;
    }
    const hash = createHash('sha256');
    let bytes = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        hash.update(chunk);
        bytes += chunk.length;
        done(null, chunk);
      },
    });
    stream.on('limit', () => {
      failure ??= new PayloadTooLarge(`the upload is larger than the limit of ${options.maxFileBytes} bytes (MAX_UPLOAD_BYTES)`);
    });
    writing = pipeline(stream, meter, createWriteStream(options.dest)).then(() => {
      file = { path: options.dest, bytes, sha256: hash.digest('hex'), filename: info.filename ?? 'upload.zip' };
    });
  });
  parser.on('filesLimit', () => {
    failure ??= new BadRequest(`only one file may be uploaded, in the field "${options.fileField}"`);
  });
  try {
    // The request's signal fires when the client hangs up: without it a half-sent body waits forever.
    await pipeline(Readable.fromWeb(request.body as WebReadableStream<Uint8Array>), parser, { signal: request.signal });
    await writing;
  } catch (err) {
    // Let the file's own stream settle first, so that nothing re-creates the file after it is removed.
    await Promise.allSettled([writing]);
    await rm(options.dest, { force: true });
    if (failure) throw failure;
    throw new BadRequest(`the upload did not arrive whole (${(err as Error).message}); send it again`);
  }
  if (failure) {
    await rm(options.dest, { force: true });
    throw failure;
  }
  return { fields, file };
}
