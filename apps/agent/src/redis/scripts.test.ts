import { readdirSync, readFileSync } from 'node:fs';
import { scriptKeys } from '@draas/queue-contracts/runtime';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { AGENT_SCRIPTS, registerScripts } from './scripts.js';

// The loader against the files as they are. A connection that never connects checks the registration
// itself (defineCommand needs no server).

const commands = Object.entries(AGENT_SCRIPTS);

describe('the agent script loader', () => {
  it.each(commands)('%s: registered with the keys its header declares', (_name, { file, numberOfKeys }) => {
    const keys = scriptKeys(readFileSync(file, 'utf8'));
    expect(numberOfKeys).toBeGreaterThanOrEqual(keys.required);
    expect(numberOfKeys).toBeLessThanOrEqual(keys.declared.length);
  });

  const redis = new Redis({ lazyConnect: true });
  afterAll(() => redis.disconnect());

  it('defines each command on the connection, none over a Redis command', () => {
    const scripted = registerScripts(redis);
    const builtins = new Set(redis.getBuiltinCommands());
    for (const [name] of commands) {
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
