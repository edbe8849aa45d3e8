/**
 * Run an async step over a list with at most `limit` steps in flight, the results in the list's
 * order. The first failure rejects the run, and no step starts after it (the ones in flight
 * finish, so their own clean-up runs). For test loops whose steps mostly wait on other processes
 * (keepalived starting and dumping its config) and are isolated from each other (their own
 * network and mount namespaces): the waits overlap instead of adding up.
 */
export async function mapLimit<T, R>(items: readonly T[], limit: number, step: (item: T, index: number) => Promise<R>): Promise<R[]> {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`mapLimit: the limit must be a positive integer, not ${limit}`);
  const out = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (!failed && next < items.length) {
      const i = next++;
      try {
        out[i] = await step(items[i], i);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  const workers = Array.from({ length: Math.min(limit, items.length) }, worker);
  // every worker settles before the run does: none is left running behind a rejection
  const settled = await Promise.allSettled(workers);
  const rejected = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (rejected) throw rejected.reason;
  return out;
}
