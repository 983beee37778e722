/**
 * The bench's MongoDB: `MONGODB_URI` when set, else a throw-away mongodb-memory-server (as the test
 * setup does; it downloads a mongod binary on first use). Each run works in its own database.
 */
export async function provideMongo(): Promise<{ uri: string; embedded: boolean; stop: () => Promise<void> }> {
  const uri = process.env.MONGODB_URI?.trim();
  if (uri) return { uri, embedded: false, stop: () => Promise.resolve() };
  const { MongoMemoryServer } = await import('mongodb-memory-server-core');
  let server: InstanceType<typeof MongoMemoryServer>;
  try {
    server = await MongoMemoryServer.create();
  } catch (err) {
    throw new Error(
      `MONGODB_URI is not set and mongodb-memory-server could not start (${err instanceof Error ? err.message : String(err)}). ` +
        'Set MONGODB_URI, e.g. with: eval "$(../shared/mongo/start.sh | tail -n 1)"',
      { cause: err },
    );
  }
  return {
    uri: server.getUri(),
    embedded: true,
    stop: async () => {
      await server.stop();
    },
  };
}
