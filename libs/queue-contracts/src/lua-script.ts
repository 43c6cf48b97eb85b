import { readFileSync } from 'node:fs';

// Every Lua script is a .lua file (TypeScript never holds Lua in a string) whose header comment names
// its KEYS, ARGV, what it returns and why it must be atomic. Each app's one script loader names its
// scripts and registers them on its connections with defineScripts, which reads each file once.

/** A script file and how many of its arguments are keys (ioredis's `numberOfKeys`). */
export interface LuaScript {
  readonly file: URL;
  readonly numberOfKeys: number;
}

/** The keys a script's header declares (`-- KEYS[n]`, `(optional)` when it can do without) and its code uses. */
export interface ScriptKeys {
  /** Indexes declared in the header, in order of appearance. */
  declared: number[];
  /** How many of the declared keys are not optional. */
  required: number;
  /** The highest KEYS[n] the code (outside comments) reads; 0 when none. */
  used: number;
}

const HEADER_KEY = /^--\s*KEYS\[(\d+)\]\s*(\(optional\))?/;
const USED_KEY = /KEYS\[(\d+)\]/g;

/** Reads the keys of a script's source (pure: the caller has read the file). */
export function scriptKeys(source: string): ScriptKeys {
  const declared: number[] = [];
  let required = 0;
  let used = 0;
  for (const line of source.split('\n')) {
    const header = HEADER_KEY.exec(line.trim());
    if (header) {
      declared.push(Number(header[1]));
      if (!header[2]) required++;
      continue;
    }
    const code = line.replace(/--.*$/, '');
    for (const match of code.matchAll(USED_KEY)) used = Math.max(used, Number(match[1]));
  }
  return { declared, required, used };
}

/** What a command is defined on: ioredis's Redis (the contracts name no client library). */
export interface ScriptHost {
  defineCommand(name: string, definition: { numberOfKeys: number; lua: string }): void;
}

/** Each script file's text, read once for the process (a missing file fails the first connection, at start-up). */
const texts = new Map<string, string>();

function scriptText(file: URL): string {
  let text = texts.get(file.href);
  if (text === undefined) texts.set(file.href, (text = readFileSync(file, 'utf8')));
  return text;
}

/** Defines every command of `scripts` on `host`, each under its name, from its file's text. */
export function defineScripts(host: ScriptHost, scripts: Readonly<Record<string, LuaScript>>): void {
  for (const [name, { file, numberOfKeys }] of Object.entries(scripts)) host.defineCommand(name, { numberOfKeys, lua: scriptText(file) });
}
