import { openAsBlob } from 'node:fs';

// The multipart body of an archive upload, streamed from disk: a file-backed Blob goes into a web
// FormData, `new Response(form)` serialises it lazily (with its boundary), and a counting stream
// reports the bytes as fetch pulls them, which is as they leave for the socket.

export interface MultipartUpload {
  body: ReadableStream<Uint8Array>;
  /** `multipart/form-data; boundary=…` */
  contentType: string;
  /** The exact size of the whole body, for the progress bar. */
  totalBytes: number;
}

export async function multipartUpload(
  archivePath: string,
  filename: string,
  fields: Record<string, string>,
  onSent: (sentBytes: number) => void,
): Promise<MultipartUpload> {
  const archive = await openAsBlob(archivePath, { type: 'application/zip' });
  const form = buildForm(fields, archive, filename);
  const serialised = new Response(form);
  const contentType = serialised.headers.get('content-type');
  if (!serialised.body || !contentType) throw new Error('FormData serialisation gave no body');

  let sent = 0;
  const counter = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      sent += chunk.byteLength;
      onSent(sent);
      controller.enqueue(chunk);
    },
  });
  return { body: serialised.body.pipeThrough(counter), contentType, totalBytes: archive.size + (await framingBytes(fields, filename)) };
}

/** Text fields first, so the scheduler can refuse bad options before it reads the whole archive. */
function buildForm(fields: Record<string, string>, archive: Blob, filename: string): FormData {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  form.append('archive', archive, filename);
  return form;
}

/**
 * Everything but the archive's bytes: the same form with an empty archive, serialised. Boundaries
 * are random but of fixed length, so this is exact without reading the file twice.
 */
async function framingBytes(fields: Record<string, string>, filename: string): Promise<number> {
  const empty = new Blob([], { type: 'application/zip' });
  return (await new Response(buildForm(fields, empty, filename)).arrayBuffer()).byteLength;
}
