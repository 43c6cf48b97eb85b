import { describe, expect, it } from 'vitest';
import { BadArchive } from '../errors.js';
import { checkArchive, type ArchiveEntry } from './check-archive.js';

const limits = { maxEntries: 10, maxUnpackedBytes: 10 * 1024 ** 2, maxCompressionRatio: 100 };
const file = (path: string, bytes = 10, packed = bytes): ArchiveEntry => ({ path, kind: 'file', compressedBytes: packed, uncompressedBytes: bytes });
const dir = (path: string): ArchiveEntry => ({ path, kind: 'directory', compressedBytes: 0, uncompressedBytes: 0 });
const link = (path: string, linkTarget: string): ArchiveEntry => ({ path, kind: 'symlink', compressedBytes: 5, uncompressedBytes: 5, linkTarget });

describe('checkArchive accepts', () => {
  it.each([
    { name: 'a Dockerfile at the root', entries: [file('Dockerfile'), file('index.html')], prefix: '', dockerfile: 'Dockerfile' },
    { name: 'a lowercase dockerfile', entries: [file('dockerfile')], prefix: '', dockerfile: 'dockerfile' },
    { name: 'a single top folder', entries: [dir('app/'), file('app/Dockerfile'), file('app/src/x.js')], prefix: 'app/', dockerfile: 'Dockerfile' },
    { name: 'a top folder without its own entry', entries: [file('app/Dockerfile')], prefix: 'app/', dockerfile: 'Dockerfile' },
    { name: 'macOS junk beside the top folder', entries: [file('app/Dockerfile'), dir('__MACOSX/'), file('__MACOSX/app/._Dockerfile')], prefix: 'app/', dockerfile: 'Dockerfile' },
    { name: 'a symlink that stays inside', entries: [file('Dockerfile'), file('a/b.txt'), link('a/c', 'b.txt'), link('d', 'a/../a/b.txt')], prefix: '', dockerfile: 'Dockerfile' },
    { name: 'a small file that compresses very well', entries: [file('Dockerfile', 500_000, 500)], prefix: '', dockerfile: 'Dockerfile' },
    {
      name: 'entries one after another',
      entries: [
        { ...file('Dockerfile', 100, 50), localHeaderOffset: 0, nameBytes: 10 },
        { ...file('a', 1000, 500), localHeaderOffset: 90, nameBytes: 1 },
      ],
      prefix: '',
      dockerfile: 'Dockerfile',
    },
    { name: 'a small ZIP inside', entries: [file('Dockerfile'), { ...file('lib.zip', 4000, 4000), nestedUnpackedBytes: 9000 }], prefix: '', dockerfile: 'Dockerfile' },
  ])('$name', ({ entries, prefix, dockerfile }) => {
    const checked = checkArchive(entries, limits);
    expect(checked.contextPrefix).toBe(prefix);
    expect(checked.dockerfile).toBe(dockerfile);
    expect(checked.entries.every((e) => !e.path.startsWith(prefix) || prefix === '')).toBe(true);
    expect(checked.entries.some((e) => e.path.startsWith('__MACOSX'))).toBe(false);
  });

  it('gives context-relative paths', () => {
    const checked = checkArchive([file('app/Dockerfile'), file('app/src/x.js')], limits);
    expect(checked.entries.map((e) => e.path).sort()).toEqual(['Dockerfile', 'src/x.js']);
    expect(checked.files).toBe(2);
  });
});

describe('checkArchive refuses', () => {
  it.each([
    { name: 'an empty ZIP', entries: [], message: /empty/ },
    { name: 'no Dockerfile', entries: [file('index.html')], message: /no Dockerfile/ },
    { name: 'a Dockerfile two folders deep', entries: [file('a/b/Dockerfile')], message: /no Dockerfile/ },
    { name: 'two top folders with the Dockerfile in one', entries: [file('a/Dockerfile'), file('b/x')], message: /no Dockerfile/ },
    { name: 'a ../ entry', entries: [file('Dockerfile'), file('../evil.sh')], message: /"\.\.\/evil\.sh" contains "\.\."/ },
    { name: 'a nested ../ entry', entries: [file('Dockerfile'), file('a/../../evil')], message: /contains "\.\."/ },
    { name: 'a backslash ..\\ entry', entries: [file('Dockerfile'), file('..\\evil')], message: /contains "\.\."/ },
    { name: 'an absolute path', entries: [file('Dockerfile'), file('/etc/passwd')], message: /absolute path/ },
    { name: 'a Windows drive path', entries: [file('Dockerfile'), file('C:/x')], message: /absolute path/ },
    { name: 'a symlink to an absolute path', entries: [file('Dockerfile'), link('l', '/etc/shadow')], message: /points outside/ },
    { name: 'a symlink climbing out', entries: [file('Dockerfile'), link('a/l', '../../x')], message: /points outside/ },
    { name: 'a device file', entries: [file('Dockerfile'), { ...file('dev'), kind: 'special' as const }], message: /device/ },
    { name: 'too many entries', entries: Array.from({ length: 11 }, (_, i) => file(i === 0 ? 'Dockerfile' : `f${i}`)), message: /11 entries/ },
    { name: 'too many bytes unpacked', entries: [file('Dockerfile'), file('big', 11 * 1024 ** 2, 11 * 1024 ** 2)], message: /unpacks to more than/ },
    { name: 'a flat ZIP bomb entry', entries: [file('Dockerfile'), file('bomb', 5 * 1024 ** 2, 1024)], message: /ZIP bomb/ },
    { name: 'a duplicated entry', entries: [file('Dockerfile'), file('a'), file('a')], message: /appears twice/ },
    { name: 'a NUL in a name', entries: [file('Dockerfile'), file('a\0b')], message: /NUL/ },
    {
      name: 'entries sharing their data (non-recursive bomb)',
      entries: [
        { ...file('Dockerfile', 100, 50), localHeaderOffset: 0, nameBytes: 10 },
        { ...file('a', 1000, 500), localHeaderOffset: 90, nameBytes: 1 },
        { ...file('b', 1000, 500), localHeaderOffset: 95, nameBytes: 1 },
      ],
      message: /share their data/,
    },
    { name: 'a nested ZIP bomb', entries: [file('Dockerfile'), { ...file('inner.zip', 40_000, 40_000), nestedUnpackedBytes: 50 * 1024 ** 2 }], message: /nested ZIP bomb/ },
  ])('$name', ({ entries, message }) => {
    let error: unknown;
    try {
      checkArchive(entries, limits);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(BadArchive);
    expect((error as Error).message).toMatch(message);
  });
});
