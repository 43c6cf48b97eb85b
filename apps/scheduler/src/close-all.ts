/**
 * Runs every cleanup step even when some fail (BullMQ's habit), then reports all failures at once,
 * so that one stuck resource neither leaks the others nor goes unnoticed.
 */
export async function closeAll(steps: readonly (readonly [name: string, step: () => Promise<unknown>])[]): Promise<void> {
  const errors: Error[] = [];
  for (const [name, step] of steps) {
    try {
      await step();
    } catch (err) {
      errors.push(new Error(`closing ${name}: ${(err as Error).message}`, { cause: err }));
    }
  }
  if (errors.length) throw new AggregateError(errors, errors.map((e) => e.message).join('; '));
}
