import { describe, expect, it } from 'vitest';
import { scriptKeys } from './lua-script.js';

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
