import { CreateDeploymentBatch, CreateDeploymentRequest, formatMemory, formatZodError, type DeploymentSpec, type DeploymentView } from '@draas/queue-contracts';
import { deployVersion } from '../apps/app-actions.js';
import { inspectZip } from '../archive/zip-reader.js';
import type { SchedulerContext } from '../context.js';
import { createDeployment, createImageDeployments, newDeploymentId, toSpec } from '../deployments/create.js';
import { toDeploymentView } from '../deployments/views.js';
import { BadRequest } from '../errors.js';
import { receiveMultipart } from './upload.js';

// The two ways in (docs/ARCHITECTURE.md, One deployment, steps 2-5): a ZIP upload or an image name. Bad
// input is refused with a 4xx that says what to fix, before anything is recorded or enqueued, and
// leaves no file behind.

/** Multipart fields that carry JSON text. */
const JSON_FIELDS = new Set(['env', 'ports', 'constraints']);

function parseOptions(input: Record<string, unknown>) {
  const parsed = CreateDeploymentRequest.safeParse(input);
  if (!parsed.success) throw new BadRequest(formatZodError(parsed.error));
  return parsed.data;
}

/**
 * Memory and CPUs no agent offers can never be placed: say so now rather than wait forever. (With
 * no agent known yet there is nothing to compare with; the deployment waits as `pending`.)
 */
async function checkOffered(ctx: SchedulerContext, spec: DeploymentSpec): Promise<void> {
  const agents = await ctx.agents.snapshots();
  if (agents.length === 0) return;
  const largest = (pick: (a: (typeof agents)[number]) => number) => Math.max(...agents.map(pick));
  const memory = largest((a) => a.capacity.memoryBytes);
  const cpus = largest((a) => a.capacity.milliCpus);
  if (spec.memoryBytes > memory) {
    throw new BadRequest(`memory ${formatMemory(spec.memoryBytes)} is more than any agent offers (the largest offers ${formatMemory(memory)})`);
  }
  if (spec.milliCpus > cpus) throw new BadRequest(`cpus ${spec.milliCpus / 1000} is more than any agent offers (the largest offers ${cpus / 1000})`);
}

function fieldsToOptions(fields: Record<string, string>): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(fields)) {
    if (!JSON_FIELDS.has(name)) {
      options[name] = value;
      continue;
    }
    try {
      options[name] = JSON.parse(value);
    } catch {
      throw new BadRequest(`field "${name}" must be JSON text, for example ${name === 'env' ? '{"KEY":"value"}' : '["8080"]'}`);
    }
  }
  return options;
}

export async function createFromMultipart(ctx: SchedulerContext, request: Request, fileField: string): Promise<DeploymentView> {
  const id = newDeploymentId();
  const dest = await ctx.uploads.receivingPath(id);
  const { fields, file } = await receiveMultipart(request, { fileField, dest, maxFileBytes: ctx.config.archive.maxUploadBytes });
  try {
    if (!file) throw new BadRequest(`no archive: send the ZIP of your source code in the multipart field "${fileField}"`);
    if (fields.image !== undefined) throw new BadRequest('send either an archive or an image, not both');
    const options = parseOptions(fieldsToOptions(fields));
    const spec = toSpec(options, file.filename);
    await checkOffered(ctx, spec);
    await inspectZip(file.path, ctx.config.archive);
    await ctx.uploads.keep(id);
    const source = { kind: 'archive' as const, sha256: file.sha256, bytes: file.bytes, filename: file.filename.slice(0, 255) };
    const record = options.app ? await deployVersion(ctx, id, source, spec, { ...options, app: options.app }) : await createDeployment(ctx, id, source, spec);
    return toDeploymentView(record, []);
  } catch (err) {
    await ctx.uploads.remove(id);
    throw err;
  }
}

export async function createFromJson(ctx: SchedulerContext, body: unknown): Promise<DeploymentView> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new BadRequest('the body must be a JSON object such as {"image": "nginx:1.27"}');
  const options = parseOptions(body as Record<string, unknown>);
  if (!options.image) {
    throw new BadRequest('"image" is required in a JSON request; to deploy source code, send multipart/form-data with the ZIP in "archive"');
  }
  const spec = toSpec(options, options.image);
  await checkOffered(ctx, spec);
  const source = { kind: 'image' as const, image: options.image };
  const id = newDeploymentId();
  const record = options.app ? await deployVersion(ctx, id, source, spec, { ...options, app: options.app }) : await createDeployment(ctx, id, source, spec);
  return toDeploymentView(record, []);
}

/**
 * `POST /api/deployments/batch`: every item checked first (a bad one refuses the whole batch, naming
 * it, with nothing recorded), then all recorded and placed together.
 */
export async function createBatchFromJson(ctx: SchedulerContext, body: unknown): Promise<DeploymentView[]> {
  const batch = CreateDeploymentBatch.safeParse(body);
  if (!batch.success) throw new BadRequest(`${formatZodError(batch.error)} (the body is {"deployments": [{"image": "nginx:1.27"}, …]})`);
  const items = batch.data.deployments.map((item, i) => {
    const where = `deployments[${i}]`;
    if (typeof item !== 'object' || item === null || Array.isArray(item)) throw new BadRequest(`${where} must be a JSON object such as {"image": "nginx:1.27"}`);
    const parsed = CreateDeploymentRequest.safeParse(item);
    if (!parsed.success) throw new BadRequest(`${where}: ${formatZodError(parsed.error)}`);
    if (!parsed.data.image) throw new BadRequest(`${where}: "image" is required (a batch takes images only; upload source code one deployment at a time)`);
    if (parsed.data.app) throw new BadRequest(`${where}: "app" is not taken in a batch; a new version of an app is one POST /api/deployments`);
    return { image: parsed.data.image, spec: toSpec(parsed.data, parsed.data.image) };
  });
  const sizes = new Map(items.map(({ spec }) => [`${spec.memoryBytes}/${spec.milliCpus}`, spec]));
  for (const spec of sizes.values()) await checkOffered(ctx, spec);
  const records = await createImageDeployments(ctx, items);
  return records.map((r) => toDeploymentView(r, []));
}

/** Reads a JSON body, turning malformed JSON into a 400 that says so. */
export async function readJson(request: Request): Promise<unknown> {
  const text = await request.text();
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new BadRequest(`the body is not valid JSON (${(err as Error).message})`);
  }
}
