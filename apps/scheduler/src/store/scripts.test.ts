import { readdirSync, readFileSync } from 'node:fs';
import { scriptKeys } from '@draas/queue-contracts/runtime';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { registerScripts, SCHEDULER_SCRIPTS, SCRIPT_DIR } from './scripts.js';

// The loader against the files as they are: every script is registered, under a name of its own, with
// the number of keys its header declares. A connection that never connects checks the registration
// itself (defineCommand needs no server).

const commands = Object.entries(SCHEDULER_SCRIPTS);

describe('the scheduler script loader', () => {
  it('registers every .lua file in its folder', () => {
    const files = readdirSync(SCRIPT_DIR).filter((name) => name.endsWith('.lua'));
    const used = new Set(commands.map(([, { file }]) => file.href));
    expect(files.length).toBeGreaterThan(0);
    for (const name of files) expect(used, name).toContain(new URL(name, SCRIPT_DIR).href);
  });

  it.each(commands)('%s: registered with the keys its header declares', (_name, { file, numberOfKeys }) => {
    const source = readFileSync(file, 'utf8');
    const keys = scriptKeys(source);
    expect(keys.declared).toEqual(keys.declared.map((_, i) => i + 1));
    expect(numberOfKeys).toBeGreaterThanOrEqual(keys.required);
    expect(numberOfKeys).toBeLessThanOrEqual(keys.declared.length);
    expect(keys.used).toBeLessThanOrEqual(keys.declared.length);
    expect(source).toMatch(/^-- Returns /m);
    expect(source).toMatch(/^-- Atomic because /m);
  });

  const redis = new Redis({ lazyConnect: true });
  afterAll(() => redis.disconnect());

  it('defines each command on the connection, none over a Redis command', () => {
    const scripted = registerScripts(redis);
    const builtins = new Set(redis.getBuiltinCommands());
    const names = commands.map(([name]) => name);
    expect(new Set(names.map((n) => n.toLowerCase())).size).toBe(names.length);
    for (const name of names) {
      expect(builtins.has(name.toLowerCase()), name).toBe(false);
      expect(typeof (scripted as unknown as Record<string, unknown>)[name], name).toBe('function');
    }
    expect(redis.status).toBe('wait');
  });

  it('leaves no Lua in the TypeScript sources', () => {
    const src = new URL('../', import.meta.url);
    const withLua = (readdirSync(src, { recursive: true }) as string[]).filter(
      (name) => name.endsWith('.ts') && /redis\.call\(/.test(readFileSync(new URL(name, src), 'utf8')),
    );
    expect(withLua).toEqual([]);
  });
});
