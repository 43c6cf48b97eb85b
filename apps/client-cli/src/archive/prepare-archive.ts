import { open, stat } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from '../errors/usage-error.js';
import { zipFolder, type ZipFolderOptions } from './zip-folder.js';

// What `draas deploy <folder|zip>` uploads: a folder is zipped to a temporary file; a .zip is sent
// as it is (the scheduler checks its contents).

export interface PreparedArchive {
  path: string;
  /** The file name sent with the upload; the scheduler names the deployment after it by default. */
  filename: string;
  bytes: number;
  /** Zipped here (false: the user's own zip). */
  zipped: boolean;
  cleanup(): Promise<void>;
}

export async function prepareArchive(source: string, options: ZipFolderOptions = {}): Promise<PreparedArchive> {
  const info = await stat(source).catch(() => null);
  if (!info) throw new UsageError(`${source} does not exist: give a folder with a Dockerfile or a .zip`);
  if (info.isDirectory()) {
    const zip = await zipFolder(source, options);
    return { path: zip.path, filename: path.basename(zip.path), bytes: zip.bytes, zipped: true, cleanup: zip.cleanup };
  }
  if (info.isFile() && (await isZip(source))) {
    return { path: source, filename: path.basename(source), bytes: info.size, zipped: false, cleanup: async () => undefined };
  }
  throw new UsageError(`${source} is neither a folder nor a .zip file: give a folder with a Dockerfile or a .zip of one`);
}

/** By its signature, not its name: `PK\x03\x04` (or `PK\x05\x06` for an empty zip). */
async function isZip(file: string): Promise<boolean> {
  const handle = await open(file, 'r');
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(4), 0, 4, 0);
    return bytesRead === 4 && buffer[0] === 0x50 && buffer[1] === 0x4b && (buffer[2] === 3 || buffer[2] === 5);
  } finally {
    await handle.close();
  }
}
