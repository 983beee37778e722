import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import mongoose, { type Connection } from 'mongoose';
import type { Logger } from '../shared/logger.js';

export interface Database {
  connection: Connection;
  close(): Promise<void>;
}

const DEFAULT_DB_NAME = 'flexybot';

/**
 * Connects to `uri`, or, when it is unset, starts an embedded MongoDB (mongodb-memory-server) that
 * keeps its data under `./data/mongo`, so `npm start` works on a laptop with nothing else installed.
 * The embedded server downloads a mongod binary on first use (needs internet once).
 */
export async function connectDatabase(uri: string | undefined, log: Logger, dataDir = 'data'): Promise<Database> {
  let stopEmbedded: (() => Promise<unknown>) | undefined;
  if (!uri) {
    const { MongoMemoryServer } = await import('mongodb-memory-server-core');
    const dbPath = path.resolve(dataDir, 'mongo');
    await mkdir(dbPath, { recursive: true });
    log.info({ dbPath }, 'MONGODB_URI is not set: starting an embedded MongoDB (mongodb-memory-server); data is kept under ./data');
    const server = await MongoMemoryServer.create({ instance: { dbPath, storageEngine: 'wiredTiger' } });
    uri = server.getUri();
    stopEmbedded = () => server.stop({ doCleanup: false });
  }
  const connection = mongoose.createConnection(uri, {
    dbName: databaseNameFrom(uri),
    serverSelectionTimeoutMS: 15_000,
  });
  await connection.asPromise();
  log.info({ db: connection.name }, 'connected to MongoDB');
  return {
    connection,
    async close() {
      await connection.close();
      await stopEmbedded?.();
    },
  };
}

/** The database named in the URI path, else `flexybot` (a bare `mongodb://host:27017` is common). */
export function databaseNameFrom(uri: string): string {
  const match = /^mongodb(?:\+srv)?:\/\/[^/]+\/([^?]+)/.exec(uri);
  return match?.[1] ? decodeURIComponent(match[1]) : DEFAULT_DB_NAME;
}
