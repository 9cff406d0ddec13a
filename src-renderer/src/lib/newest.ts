/**
 * Keeps only the newest answer of a view's reload. Answers can come back out of order (another
 * run picked while the first is still loading, an epoch landing meanwhile): a slower, older
 * answer must never overwrite what the user asked for last. `set` runs for the newest call
 * only; an older call's error is dropped with its answer.
 */
export function newest<T>(load: () => Promise<T>, set: (value: T) => void): () => Promise<void> {
  let seq = 0;
  return async () => {
    const mine = ++seq;
    try {
      const value = await load();
      if (mine === seq) set(value);
    } catch (e) {
      if (mine === seq) throw e;
    }
  };
}
