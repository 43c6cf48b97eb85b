#!/usr/bin/env node
// Runs the CLI from its TypeScript sources, so `npx draas` works right after `npm ci` with no build.
// In-process rather than spawning `node --conditions=draas-source --import tsx`: one Node boot instead
// of two, and Ctrl-C reaches the one process that knows what to say about it.
import { register } from 'node:module';
import { fileURLToPath } from 'node:url';
import { register as registerTsx } from 'tsx/esm/api';

// The CLI's own tsconfig, not whichever one the user's current folder happens to hold.
registerTsx({ tsconfig: fileURLToPath(new URL('../tsconfig.build.json', import.meta.url)) });

// tsx's register() takes no import conditions (only namespace, tsconfig, onImport), and Node reads
// --conditions only at boot. This resolve hook adds `draas-source`, so that workspace packages resolve
// to their TypeScript sources. Hooks run last-registered first: it runs before tsx's and passes the
// condition on to it.
register(
  'data:text/javascript,' +
    encodeURIComponent(
      'export const resolve = (specifier, context, next) =>' +
        " next(specifier, { ...context, conditions: [...context.conditions, 'draas-source'] });",
    ),
);

await import('../src/index.ts');
