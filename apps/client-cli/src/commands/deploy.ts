import type { DeploymentView } from '@draas/queue-contracts';
import { followVersion, pastBuild } from '../apps/deploy-app.js';
import { stillServing } from '../apps/report.js';
import { EXIT_INTERRUPTED, type CommandContext } from '../context.js';
import { buildDeployRequest, parseTimeout, toMultipartFields, type DeployFlags } from '../deploy/flags.js';
import { deploymentUrls } from '../deploy/outcome.js';
import { multipartUpload } from '../deploy/upload.js';
import { watchDeployment, type WatchResult } from '../deploy/watch.js';
import { UsageError } from '../errors/usage-error.js';
import { uploadProgress } from '../output/progress.js';

// `draas deploy <folder|zip>` / `draas deploy --image <ref>`: check the flags, upload, then follow
// the deployment until it runs (URLs on stdout, exit 0) or fails (exit 1). With --name it is a new
// version of that app: once built, the app's rollout is followed instead (apps/deploy-app.ts).

export interface DeployCommandOptions extends DeployFlags {
  detach?: boolean;
  json?: boolean;
  timeout: string;
}

export async function deployCommand(source: string | undefined, options: DeployCommandOptions, ctx: CommandContext): Promise<number> {
  const { out } = ctx;
  // Everything the user typed is checked before anything is zipped or sent.
  const request = buildDeployRequest(options, ctx.env);
  const timeoutMs = parseTimeout(options.timeout);
  if (options.image && source) throw new UsageError(`give either a folder/zip (${source}) or --image, not both`);
  if (!options.image && !source) throw new UsageError('what should be deployed? give a folder with a Dockerfile, a .zip, or --image <ref>');

  const created = options.image ? await ctx.api.createFromImage(request, ctx.signal) : await upload(source as string, request, ctx);
  if (created === null) return EXIT_INTERRUPTED;

  if (options.detach) {
    if (options.json) out.json(created);
    else out.out(created.id);
    return 0;
  }
  // Under --json stdout carries one JSON value only, so the log goes to stderr.
  const print = options.json ? out.err : out.out;
  const colors = options.json ? out.errColors : out.colors;
  const { app } = created;
  print(`${colors.bold('deploying')} ${created.name}${app ? ` v${app.version}` : ''} (${created.id})`);
  const startedAt = ctx.now();
  const result = await watchDeployment(ctx, created, { timeoutMs, print, colors, until: app ? pastBuild : undefined });
  if (app && (result.outcome === 'reached' || result.outcome === 'running')) {
    return followVersion(ctx, result.view, app, { json: options.json, timeoutMs: Math.max(1, timeoutMs - (ctx.now() - startedAt)) });
  }
  // A version that failed before its rollout: the app may still serve an earlier one.
  const appView = app && result.outcome === 'failed' ? await ctx.api.getApp(app.name, ctx.signal).catch(() => null) : null;
  if (options.json) out.json(app ? { outcome: result.outcome, deployment: result.view, app: appView } : result.view);
  const code = report(result, options, ctx, timeoutMs);
  if (app && appView) out.err(stillServing(appView, { kind: 'rollout', version: app.version }));
  return code;
}

/** Zips (if needed) and uploads with a progress bar; null when Ctrl-C stopped the upload. */
async function upload(source: string, request: ReturnType<typeof buildDeployRequest>, ctx: CommandContext): Promise<DeploymentView | null> {
  const { out } = ctx;
  // Loaded here: the zip code is the heaviest part of the CLI, and flag errors should answer at once.
  const { prepareArchive } = await import('../archive/prepare-archive.js');
  const archive = await prepareArchive(source, {
    onSkip: (rel, why) => out.err(out.errColors.yellow(`skipping ${rel}: ${why}`)),
  });
  let progress: ReturnType<typeof uploadProgress> | null = null;
  let sent = 0;
  let total = Infinity;
  try {
    const body = await multipartUpload(archive.path, archive.filename, toMultipartFields(request), (bytes) => {
      sent = bytes;
      progress?.update(bytes);
    });
    total = body.totalBytes;
    progress = uploadProgress(out.stderr, archive.filename, total);
    const created = await ctx.api.createFromArchive(body.body, body.contentType, ctx.signal);
    progress.stop(true);
    return created;
  } catch (err) {
    progress?.stop(false);
    if (!ctx.signal.aborted) throw err;
    // Once every byte has left, the scheduler may have accepted it before we stopped waiting.
    out.err(sent < total ? 'upload interrupted; nothing was deployed' : 'interrupted before the scheduler answered; see draas ls for whether it arrived');
    return null;
  } finally {
    await archive.cleanup();
  }
}

function report(result: WatchResult, options: DeployCommandOptions, ctx: CommandContext, timeoutMs: number): number {
  const { out } = ctx;
  const { view } = result;
  const c = out.errColors;
  const cancelHint = `cancel it with: draas cancel ${view.id}`;
  switch (result.outcome) {
    case 'reached': // only asked for by an app's version, which its rollout reports
    case 'running': {
      if (options.json) return 0;
      out.out(`${out.colors.green('✔')} running: ${view.name} (${view.id})`);
      const urls = deploymentUrls(view);
      for (const url of urls) out.out(url);
      if (urls.length === 0) out.err(c.dim('no published ports, so no URLs (EXPOSE a port in the Dockerfile or use --port)'));
      return 0;
    }
    case 'failed': {
      out.err(`${c.red('✖')} ${view.status}: ${view.name} (${view.id})${view.error ? `: ${view.error}` : ''}`);
      for (const instance of view.instances.filter((i) => i.error || i.exitCode !== null)) {
        const exit = instance.exitCode === null ? '' : ` exit code ${instance.exitCode}`;
        out.err(`  instance ${instance.index}:${exit}${instance.error ? ` ${instance.error}` : ''}`);
      }
      // The last lines of the phase that failed, unless the error already quotes them all.
      const lines = view.instances.length ? result.tail.run : result.tail.build;
      if (lines.length && !lines.every((l) => view.error?.includes(l))) {
        out.err(c.dim(view.instances.length ? 'last run lines:' : 'last build lines:'));
        for (const line of lines) out.err(`  ${line}`);
      }
      return 1;
    }
    case 'timeout':
      out.err(`${c.yellow('…')} still ${view.status} after ${timeoutMs / 1000} s; deployment ${view.id} goes on.`);
      out.err(`follow it with: draas logs -f ${view.id}; ${cancelHint}`);
      return 1;
    case 'interrupted':
      out.err(`stopped following; deployment ${view.id} goes on. ${cancelHint}`);
      return EXIT_INTERRUPTED;
  }
}
