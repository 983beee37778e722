/**
 * The bench's MongoDB: `MONGODB_URI` when set, else a throw-away mongodb-memory-server (as the test
 * setup does; it downloads a mongod binary on first use). Each run works in its own database.
 */
export async function provideMongo(): Promise<{ uri: string; embedded: boolean; stop: () => Promise<void> }> {
  const uri = process.env.MONGODB_URI?.trim();
  if (uri) return { uri, embedded: false, stop: async () => undefined };
  const { MongoMemoryServer } = await import('mongodb-memory-server-core');
  const server = await MongoMemoryServer.create();
  return {
    uri: server.getUri(),
    embedded: true,
    stop: async () => {
      await server.stop();
    },
  };
}
