import { performance } from 'node:perf_hooks';
import { MongoClient } from 'mongodb';

/** The MongoDB round trip every figure of the bench is printed with: `ping` on a fresh client. */
export interface MongoRoundTrip {
  medianMs: number;
  p95Ms: number;
  samples: number;
}

/**
 * Median and p95 of `samples` `ping` commands, one at a time, after a few warm-up pings (the first
 * ones open the connection). Every flexybot step is one or more of these round trips, so a figure
 * measured against a slow server reads differently from one measured against a local mongod.
 */
export async function measureMongoRoundTrip(uri: string, samples = 21): Promise<MongoRoundTrip> {
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 10_000, maxPoolSize: 1 });
  try {
    await client.connect();
    const admin = client.db('admin');
    for (let i = 0; i < 3; i++) await admin.command({ ping: 1 });
    const times: number[] = [];
    for (let i = 0; i < samples; i++) {
      const t0 = performance.now();
      await admin.command({ ping: 1 });
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    const at = (p: number) => times[Math.min(times.length - 1, Math.ceil(p * times.length) - 1)] ?? 0;
    return { medianMs: round1(at(0.5)), p95Ms: round1(at(0.95)), samples };
  } finally {
    await client.close();
  }
}

/** "MongoDB ping 1.2 ms median (p95 3.4 ms)": the line every section prints. */
export function formatRoundTrip(rtt: MongoRoundTrip): string {
  return `MongoDB round trip (ping) ${rtt.medianMs} ms median, p95 ${rtt.p95Ms} ms, ${rtt.samples} samples`;
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}
