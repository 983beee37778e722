import type { Connection } from 'mongoose';

/**
 * Creates every collection and index of the models compiled on `connection`, one model after another,
 * and fails if any of them failed. Mongoose starts these builds by itself when a model is compiled,
 * but only logs a failure there (a server built on row locks may abort one as "deadlock detected"
 * while a replica starting at the same moment builds the same index), so a missing unique index would
 * go unnoticed. It also keeps a failed build's promise: forgetting it here lets the next try
 * (main.ts retries start-up) build it again.
 */
export async function buildIndexes(connection: Connection): Promise<void> {
  for (const name of Object.keys(connection.models).sort()) {
    const model = connection.models[name]!;
    try {
      await model.init();
    } catch (err) {
      delete (model as unknown as { $init?: unknown }).$init;
      throw err;
    }
  }
}
