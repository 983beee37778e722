/**
 * A write that lost a race with the same write in another process and may simply be repeated: E11000
 * from two concurrent upserts on a unique key, or a write conflict / deadlock that MongoDB-compatible
 * servers built on row locks report (WriteConflict 112, an error labelled TransientTransactionError,
 * or PostgreSQL's "deadlock detected" passed through).
 */
export function lostRace(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { code?: unknown; errorLabels?: unknown; message?: unknown };
  return (
    e.code === 11000 ||
    e.code === 112 ||
    (Array.isArray(e.errorLabels) && e.errorLabels.includes('TransientTransactionError')) ||
    (typeof e.message === 'string' && /deadlock detected|write conflict/i.test(e.message))
  );
}

/** Runs an idempotent write again when it lost such a race (up to 4 tries, a few ms apart). */
export async function retryOnLostRace<T>(op: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await op();
    } catch (err) {
      if (!lostRace(err) || attempt >= 4) throw err;
      await new Promise((resolve) => setTimeout(resolve, 5 * attempt));
    }
  }
}
