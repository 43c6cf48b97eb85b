/**
 * Maps with at most `limit` calls in flight; results keep the input's order. The first rejection
 * rejects the whole, once the calls in flight have finished; no further item starts after it (as
 * forEachWeighted below).
 */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failure: { error: unknown } | null = null;
  const lane = async () => {
    while (next < items.length && !failure) {
      const at = next++;
      try {
        results[at] = await fn(items[at] as T);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  if (failure) throw (failure as { error: unknown }).error;
  return results;
}

/**
 * Runs `fn` over `items` in order, side by side while the weights in flight stay within `budget`
 * and at most `limit` run at once (an item heavier than the budget runs alone). The first rejection
 * rejects the whole, once the calls in flight have finished; no further item starts after it.
 */
export async function forEachWeighted<T>(
  items: readonly T[],
  weight: (item: T) => number,
  budget: number,
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  const running = new Set<Promise<void>>();
  let used = 0;
  let failure: { error: unknown } | null = null;
  for (const item of items) {
    const w = Math.max(0, weight(item));
    while (running.size > 0 && (running.size >= limit || used + w > budget)) await Promise.race(running);
    if (failure) break;
    used += w;
    const task: Promise<void> = fn(item)
      .catch((error: unknown) => void (failure ??= { error }))
      .finally(() => {
        used -= w;
        running.delete(task);
      });
    running.add(task);
  }
  await Promise.all(running);
  if (failure) throw (failure as { error: unknown }).error;
}
