// `npm run agent`: an agent for this machine's Docker engine. With REDIS_URL unset it joins the DRaaS
// that `npm start` runs in this checkout (its private Redis, found in .draas/npm-start.json), so a
// second agent on the machine needs no settings; the health port and data folder are picked free by
// the agent itself. Elsewhere, `REDIS_URL=... npm run agent` joins the DRaaS on that Redis.
import { agentEnvironment, waitForLocalRun } from './local-run.js';

// npm runs scripts in the package's folder: the checkout whose npm start is looked for.
const { env, note } = agentEnvironment(process.env, await waitForLocalRun(process.env, process.cwd()));
if (note) console.error(note);
// The agent reads its settings from process.env once, in its main (apps/agent/src/index.ts).
Object.assign(process.env, env);
await import('../apps/agent/src/index.js');
