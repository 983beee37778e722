import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../shared/logger.js';
import { EventLoopMonitor, type Readiness } from './health.js';
import type { Metrics } from './metrics.js';
import { reply, secretMatches, type WebhookHandler } from './webhook.js';

export interface HttpServerOptions {
  /** 0 picks a free port (tests). */
  port: number;
  host?: string | undefined;
  log: Logger;
  metrics: Metrics;
  /** When set, GET /metrics requires `Authorization: Bearer <token>`. */
  metricsToken?: string | undefined;
  readiness: Readiness;
  liveness?: EventLoopMonitor | undefined;
}

export interface HttpServer {
  readonly port: number;
  /** Starts answering POST /telegram (webhook mode); until then, and after detach, it is a 404/503. */
  attachWebhook(handler: WebhookHandler): void;
  /** Stops taking updates (shutdown): POST /telegram answers 503 so Telegram retries, maybe elsewhere. */
  detachWebhook(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The process's one HTTP listener, in every mode:
 *   GET  /healthz   200 while the event loop turns (lag under a bound), else 503
 *   GET  /readyz    200 while MongoDB answers a ping and the background loops run, else 503; JSON
 *                   with each part's state and each provider key's state (which never makes it 503)
 *   GET  /metrics   Prometheus text; bearer token when METRICS_TOKEN is set
 *   POST /telegram  webhook mode only (ops/webhook.ts)
 * Anything else is 404 (405 for a known path with the wrong method). Headers are bounded by Node's
 * limits, slow clients by the timeouts below, and no answer ever carries a stack trace.
 */
export async function startHttpServer(opts: HttpServerOptions): Promise<HttpServer> {
  const liveness = opts.liveness ?? new EventLoopMonitor();
  const ownsLiveness = opts.liveness === undefined;
  let webhook: WebhookHandler | undefined;
  let webhookState: 'off' | 'on' | 'stopping' = 'off';

  const routes: Record<string, { methods: string[]; run: (req: IncomingMessage, res: ServerResponse) => Promise<void> | void }> = {
    '/healthz': {
      methods: ['GET', 'HEAD'],
      run: (_req, res) => {
        const lagMs = liveness.currentLagMs();
        sendJson(res, liveness.healthy() ? 200 : 503, { status: liveness.healthy() ? 'ok' : 'event loop lagging', eventLoopLagMs: lagMs });
      },
    },
    '/readyz': {
      methods: ['GET', 'HEAD'],
      run: async (_req, res) => {
        const report = await opts.readiness.check();
        const { ready, ...parts } = report;
        sendJson(res, ready ? 200 : 503, { status: ready ? 'ready' : 'not ready', ...parts });
      },
    },
    '/metrics': {
      methods: ['GET', 'HEAD'],
      run: async (req, res) => {
        if (opts.metricsToken !== undefined && !secretMatches(bearerToken(req.headers.authorization), opts.metricsToken)) {
          res.setHeader('www-authenticate', 'Bearer');
          return reply(res, 401, 'unauthorized');
        }
        const { contentType, body } = await opts.metrics.render();
        res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' });
        res.end(body);
      },
    },
    '/telegram': {
      methods: ['POST'],
      run: async (req, res) => {
        if (webhookState === 'stopping') {
          opts.metrics.countWebhookRequest('unavailable');
          return reply(res, 503, 'shutting down', true);
        }
        await webhook!(req, res);
      },
    },
  };

  const server: Server = createServer({ maxHeaderSize: 16 * 1024, requestTimeout: 30_000, headersTimeout: 15_000 }, (req, res) => {
    void route(req, res).catch((err: unknown) => {
      opts.log.error({ err, path: pathOf(req.url) }, 'http request failed');
      reply(res, 500, 'internal error', true);
    });
  });
  server.keepAliveTimeout = 5_000;
  // A malformed request line or oversized headers: answer 400/431 and drop it, never log the bytes.
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    if (!socket.writable) return socket.destroy();
    const status = err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
    socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
  });

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = pathOf(req.url);
    const target = Object.hasOwn(routes, path) ? routes[path] : undefined;
    if (!target || (path === '/telegram' && webhookState === 'off')) return reply(res, 404, 'not found', req.method !== 'GET');
    if (!target.methods.includes(req.method ?? '')) {
      res.setHeader('allow', target.methods.join(', '));
      return reply(res, 405, 'method not allowed', true);
    }
    // HEAD runs the GET route: same status and headers, and Node drops the body of a HEAD answer.
    return target.run(req, res);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  opts.log.info({ port }, 'http listener started (/healthz, /readyz, /metrics)');

  return {
    port,
    attachWebhook(handler) {
      webhook = handler;
      webhookState = 'on';
    },
    async detachWebhook() {
      if (webhookState !== 'on') return;
      webhookState = 'stopping';
      await webhook?.drain();
    },
    async close() {
      if (ownsLiveness) liveness.stop();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      setTimeout(() => server.closeAllConnections(), 2_000).unref();
      await closed;
    },
  };
}

/** The path without query string; never trusted beyond a lookup in the route table. */
function pathOf(url: string | undefined): string {
  const raw = url ?? '/';
  const q = raw.indexOf('?');
  return q === -1 ? raw : raw.slice(0, q);
}

function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1];
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}
