import type { TestProject } from 'vitest/node';

/**
 * Provides a real MongoDB to every test file: `MONGODB_URI` when set (CI starts the
 * ../shared/mongo kit), otherwise a throw-away mongodb-memory-server (needs its binary, which it
 * downloads on first use on a machine with internet). Each test file then works in its own database.
 */
export default async function setup(project: TestProject) {
  let uri = process.env.MONGODB_URI;
  let stop: (() => Promise<unknown>) | undefined;
  if (!uri) {
    const { MongoMemoryServer } = await import('mongodb-memory-server-core');
    const server = await MongoMemoryServer.create();
    uri = server.getUri();
    stop = () => server.stop();
  }
  project.provide('mongoUri', uri);
  return async () => {
    await stop?.();
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    mongoUri: string;
  }
}
