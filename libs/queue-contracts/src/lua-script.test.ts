import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { APPEND_LOGS_SCRIPT } from './log-append.js';
import { defineScripts, readOncePerFile, scriptKeys } from './lua-script.js';

describe('scriptKeys', () => {
  it.each([
    ['no keys', "-- ARGV[1] x\nreturn ARGV[1]", { declared: [], required: 0, used: 0 }],
    ['one key, used', "-- KEYS[1]  the stream\nreturn KEYS[1]", { declared: [1], required: 1, used: 1 }],
    [
      'an optional second key',
      "-- KEYS[1]  a\n--   KEYS[2] (optional) b\nif KEYS[2] then return 1 end\nreturn KEYS[1]",
      { declared: [1, 2], required: 1, used: 2 },
    ],
    ['a key named only in a comment is not used', "-- KEYS[1] a\nreturn 1 -- not KEYS[3]", { declared: [1], required: 1, used: 0 }],
    ['a key used but never declared', "-- KEYS[1] a\nreturn KEYS[2]", { declared: [1], required: 1, used: 2 }],
  ])('%s', (_name, source, expected) => {
    expect(scriptKeys(source)).toEqual(expected);
  });
});

describe('the log-append script', () => {
  const source = readFileSync(APPEND_LOGS_SCRIPT.file, 'utf8');

  it('declares in its header the keys it is registered with and uses', () => {
    const keys = scriptKeys(source);
    expect(keys.declared).toEqual([1]);
    expect(APPEND_LOGS_SCRIPT.numberOfKeys).toBe(keys.required);
    expect(keys.used).toBe(1);
    expect(source).toMatch(/^-- ARGV\[1\]/m);
    expect(source).toMatch(/^-- Returns /m);
    expect(source).toMatch(/^-- Atomic because /m);
  });

  it('is the only Lua the contracts hold, and it is not in TypeScript', () => {
    const src = new URL('./', import.meta.url);
    const withLua = readdirSync(src).filter((name) => name.endsWith('.ts') && /redis\.call\(/.test(readFileSync(new URL(name, src), 'utf8')));
    expect(withLua).toEqual([]);
    expect(readdirSync(new URL('./', APPEND_LOGS_SCRIPT.file))).toEqual(['log-append.lua']);
  });
});

describe('defineScripts', () => {
  it('defines each command with its keys and its file\'s text, reading a file shared by two commands once', () => {
    const reads: string[] = [];
    const read = readOncePerFile((file) => (reads.push(file.href), `-- text of ${file.pathname}`));
    const defined: Record<string, { numberOfKeys: number; lua: string }> = {};
    const a = new URL('file:///lua/a.lua');
    defineScripts({ defineCommand: (name, definition) => void (defined[name] = definition) }, {
      one: { file: a, numberOfKeys: 1 },
      two: { file: a, numberOfKeys: 2 },
      other: { file: new URL('file:///lua/b.lua'), numberOfKeys: 0 },
    }, read);
    expect(defined).toEqual({
      one: { numberOfKeys: 1, lua: '-- text of /lua/a.lua' },
      two: { numberOfKeys: 2, lua: '-- text of /lua/a.lua' },
      other: { numberOfKeys: 0, lua: '-- text of /lua/b.lua' },
    });
    expect(reads).toEqual(['file:///lua/a.lua', 'file:///lua/b.lua']);
  });
});
