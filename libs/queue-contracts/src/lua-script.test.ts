import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { APPEND_LOGS_SCRIPT } from './log-append.js';
import { defineScripts, scriptKeys } from './lua-script.js';

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
    const dir = mkdtempSync(path.join(os.tmpdir(), 'draas-lua-'));
    try {
      const a = pathToFileURL(path.join(dir, 'a.lua'));
      const b = pathToFileURL(path.join(dir, 'b.lua'));
      writeFileSync(a, '-- text of a');
      writeFileSync(b, '-- text of b');
      const defined: Record<string, { numberOfKeys: number; lua: string }> = {};
      const host = { defineCommand: (name: string, definition: { numberOfKeys: number; lua: string }) => void (defined[name] = definition) };
      defineScripts(host, { one: { file: a, numberOfKeys: 1 }, other: { file: b, numberOfKeys: 0 } });
      // Read once for the process: a file changed after its first use is not read again.
      writeFileSync(a, '-- changed');
      defineScripts(host, { two: { file: a, numberOfKeys: 2 } });
      expect(defined).toEqual({
        one: { numberOfKeys: 1, lua: '-- text of a' },
        two: { numberOfKeys: 2, lua: '-- text of a' },
        other: { numberOfKeys: 0, lua: '-- text of b' },
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
