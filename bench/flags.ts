import { parseArgs } from 'node:util';
import { PRODUCTION_EDIT_INTERVAL_MS } from './flexybot.js';

/** Every section of `npm run bench`, in the order they run. */
export const SECTIONS = ['fast', 'first-answer', 'announcements', 'scale', 'long-tail'] as const;
export type Section = (typeof SECTIONS)[number];

export const USAGE = [
  'usage: npm run bench -- [--only SECTION,...] [--no-SECTION ...] [--seed N]',
  `  sections: ${SECTIONS.join(', ')} (all by default)`,
  '  fast:          [--orders N (40)] [--time-scale X (1)] [--spread SECONDS (orders/2)] [--edit-interval-ms N (2500 x time scale)]',
  '  first-answer:  [--first-answer-orders N (10 per case)]',
  '  announcements: [--announce-orders N (300)]',
  '  scale:         [--scale-orders N (10000)] [--scale-due N (1000)] [--scale-chats N (100)] [--scale-probes N (20)]',
  '  long-tail:     [--long-tail-orders N (24)] [--long-tail-time-scale X (0.001)]',
].join('\n');

export interface Flags {
  sections: Set<Section>;
  seed: number;
  orders: number;
  timeScale: number;
  spreadSeconds: number;
  editIntervalMs: number;
  firstAnswerOrders: number;
  announceOrders: number;
  scaleOrders: number;
  scaleDue: number;
  scaleChats: number;
  scaleProbes: number;
  longTailOrders: number;
  longTailTimeScale: number;
}

export function parseFlags(argv = process.argv.slice(2)): Flags {
  const { values } = parseArgs({
    args: argv,
    options: {
      only: { type: 'string' },
      ...Object.fromEntries(SECTIONS.map((s) => [`no-${s}`, { type: 'boolean' as const, default: false }])),
      seed: { type: 'string', default: '1' },
      orders: { type: 'string', default: '40' },
      'time-scale': { type: 'string', default: '1' },
      spread: { type: 'string' },
      'edit-interval-ms': { type: 'string' },
      'first-answer-orders': { type: 'string', default: '10' },
      'announce-orders': { type: 'string', default: '300' },
      'scale-orders': { type: 'string', default: '10000' },
      'scale-due': { type: 'string', default: '1000' },
      'scale-chats': { type: 'string', default: '100' },
      'scale-probes': { type: 'string', default: '20' },
      'long-tail-orders': { type: 'string', default: '24' },
      'long-tail-time-scale': { type: 'string', default: '0.001' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const v = values as Record<string, string | boolean | undefined>;
  const num = (name: string) => Number(v[name]);
  const only = typeof values.only === 'string' ? values.only.split(',').map((s) => s.trim()) : [...SECTIONS];
  const unknown = only.filter((s) => !(SECTIONS as readonly string[]).includes(s));
  const sections = new Set(SECTIONS.filter((s) => only.includes(s) && v[`no-${s}`] !== true));
  const orders = num('orders');
  const timeScale = num('time-scale');
  const spreadSeconds = values.spread === undefined ? orders / 2 : Number(values.spread);
  // Telegram's 2.5 s edit spacing is real time in production; scaled here like every other delay,
  // or it alone would dominate every latency by 1/TIME_SCALE.
  const editIntervalMs =
    values['edit-interval-ms'] === undefined
      ? Math.max(1, Math.round(PRODUCTION_EDIT_INTERVAL_MS * timeScale))
      : Number(values['edit-interval-ms']);
  const int = (name: string, lo: number, hi: number) =>
    Number.isInteger(num(name)) && num(name) >= lo && num(name) <= hi ? null : `--${name} must be an integer from ${lo} to ${hi}`;
  const problems = [
    unknown.length ? `--only: unknown section(s) ${unknown.join(', ')}` : null,
    int('orders', 1, 5_000),
    timeScale > 0 && timeScale <= 1 ? null : '--time-scale must be > 0 and <= 1',
    Number.isInteger(num('seed')) ? null : '--seed must be an integer',
    spreadSeconds >= 0 ? null : '--spread must be >= 0',
    editIntervalMs >= 0 ? null : '--edit-interval-ms must be >= 0',
    int('first-answer-orders', 1, 200),
    int('announce-orders', 1, 5_000),
    int('scale-orders', 1, 100_000),
    int('scale-due', 0, num('scale-orders')),
    int('scale-chats', 1, num('scale-orders')),
    int('scale-probes', 0, 500),
    int('long-tail-orders', 1, 1_000),
    num('long-tail-time-scale') > 0 && num('long-tail-time-scale') <= 0.01
      ? null
      : '--long-tail-time-scale must be > 0 and <= 0.01 (48 h of provider time must fit in a run)',
  ].filter((p): p is string => p !== null);
  if (problems.length > 0) {
    for (const p of problems) process.stderr.write(`bench: ${p}\n`);
    process.stderr.write(`${USAGE}\n`);
    process.exit(2);
  }
  return {
    sections,
    seed: num('seed'),
    orders,
    timeScale,
    spreadSeconds,
    editIntervalMs,
    firstAnswerOrders: num('first-answer-orders'),
    announceOrders: num('announce-orders'),
    scaleOrders: num('scale-orders'),
    scaleDue: num('scale-due'),
    scaleChats: num('scale-chats'),
    scaleProbes: num('scale-probes'),
    longTailOrders: num('long-tail-orders'),
    longTailTimeScale: num('long-tail-time-scale'),
  };
}
