/**
 * The viewer's HTTP side: the OTLP/HTTP traces receiver (`POST /v1/traces`, protobuf or JSON,
 * gzip or not), `GET`/`DELETE /v1/traces`, the page's API (`/api/*`, live updates over
 * server-sent events) and the page itself, all on one origin.
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { gunzip } from 'node:zlib';
import { compactTrace } from './compact-trace.js';
import { readTracesJson } from './otlp-json.js';
import { BadOtlp } from './otlp-model.js';
import type { TracesRequest } from './otlp-model.js';
import { decodeTracesProto } from './otlp-proto.js';
import type { TraceFilter, TraceStore } from './store.js';

/** Largest request body accepted, compressed or not (answered 413 beyond). */
export const MAX_BODY_BYTES = 32 * 1024 * 1024;
/** Largest body once gunzipped. */
export const MAX_INFLATED_BYTES = 128 * 1024 * 1024;
/** How often changed traces are pushed to the pages (well inside the 250 ms export-to-screen aim). */
const PUSH_INTERVAL_MS = 40;
/** Serialized traces kept for the page (see `/api/trace`). */
const COMPACT_CACHE_SIZE = 4;

const PAGE_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** What the handler needs. */
export interface ViewerOptions {
  store: TraceStore;
  /** Folder of the page's files (index.html, *.js, *.css). */
  pageDir: string;
  version: string;
  /** The run number spans received now get. */
  run: number;
  /** Host names the page may be reached by, besides loopback (`--host`); `'*'`: any. */
  extraHosts?: string[];
  /** Called with each accepted request (persistence). */
  onIngest?: (request: TracesRequest, run: number) => void;
  /** Called when the traces are cleared. */
  onClear?: () => void;
}

/** The request handler and a way to stop its timers and event streams. */
export interface ViewerHandler {
  handle: RequestListener;
  /** Ends the event streams and the push timer. */
  close(): void;
  /** Adds spans as if they had been received (loading from `--db`). */
  ingest(request: TracesRequest, run: number): void;
}

/** Builds the viewer's request handler. */
export function createViewerHandler(options: ViewerOptions): ViewerHandler {
  const { store } = options;
  const streams = new Set<ServerResponse>();
  const pending = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  const pageCache = new Map<string, Buffer>();
  const compactCache = new Map<string, { version: number; body: string }>();
  const allowedHosts = new Set(['localhost', '127.0.0.1', '[::1]', ...(options.extraHosts ?? [])]);

  // Stats reach the page by the list request and by the event stream, which may arrive out of
  // order: each reading carries a sequence number so the page keeps the newest.
  let statsSeq = 0;
  const statsNow = () => ({ ...store.stats(), seq: ++statsSeq });
  const push = (event: string, data: unknown): void => {
    const line = `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
    for (const res of streams) res.write(line);
  };
  const flush = (): void => {
    timer = undefined;
    const summaries = [...pending].map((id) => store.summary(id)).filter((s) => s !== undefined);
    pending.clear();
    push('traces', { traces: summaries, stats: statsNow() });
  };
  const ingest = (request: TracesRequest, run: number): void => {
    const changed = store.ingest(request, run);
    if (streams.size === 0) return;
    for (const id of changed) pending.add(id);
    timer ??= setTimeout(flush, PUSH_INTERVAL_MS);
  };

  const receive = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const type = String(req.headers['content-type'] ?? '').toLowerCase();
    const proto = type.includes('protobuf');
    if (!proto && !type.includes('json')) return send(res, 415, 'text/plain', 'use Content-Type application/x-protobuf or application/json');
    const raw = await readBody(req);
    if (raw === undefined) return send(res, 413, 'text/plain', `body over ${MAX_BODY_BYTES} bytes`);
    let body = raw;
    const encoding = String(req.headers['content-encoding'] ?? 'identity').toLowerCase();
    if (encoding === 'gzip') {
      try {
        body = await new Promise<Buffer>((resolve, reject) => gunzip(raw, { maxOutputLength: MAX_INFLATED_BYTES }, (err, out) => (err ? reject(err) : resolve(out))));
      } catch (err) {
        const tooBig = (err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE';
        return send(res, tooBig ? 413 : 400, 'text/plain', tooBig ? `body over ${MAX_INFLATED_BYTES} bytes once gunzipped` : 'body is not valid gzip');
      }
    } else if (encoding !== 'identity') {
      return send(res, 415, 'text/plain', `Content-Encoding ${encoding} is not supported (use gzip or none)`);
    }
    let request: TracesRequest;
    try {
      request = proto ? decodeTracesProto(body) : readTracesJson(JSON.parse(body.toString('utf8')));
    } catch (err) {
      const message = err instanceof BadOtlp ? err.message : err instanceof SyntaxError ? `invalid JSON: ${err.message}` : 'body is not a valid OTLP traces request';
      return send(res, 400, 'text/plain', message);
    }
    // Saved first: the store takes the request's spans over (it packs their attributes).
    options.onIngest?.(request, options.run);
    ingest(request, options.run);
    if (proto) return send(res, 200, 'application/x-protobuf', Buffer.alloc(0));
    return send(res, 200, 'application/json', '{}');
  };

  const api = (url: URL, req: IncomingMessage, res: ServerResponse): void => {
    const q = url.searchParams;
    switch (url.pathname) {
      case '/api/hello':
        return json(res, { viewer: 'tracelight', version: options.version, run: options.run });
      case '/api/stats':
        return json(res, { ...store.stats(), rssBytes: process.memoryUsage.rss() });
      case '/api/traces':
        return json(res, { traces: store.list(filterOf(q), Math.min(5000, Math.max(1, Number(q.get('limit')) || 500))), stats: statsNow() });
      case '/api/trace': {
        const id = q.get('id') ?? '';
        const spans = store.spansOf(id);
        if (spans === undefined) return send(res, 404, 'application/json', '{"error":"no such trace (evicted or cleared?)"}');
        // The last few traces opened stay serialized until they change (reopen, diff, reload).
        const version = store.versionOf(id);
        let cached = compactCache.get(id);
        if (cached === undefined || cached.version !== version) {
          cached = { version, body: JSON.stringify(compactTrace(id, spans)) };
          compactCache.delete(id);
          compactCache.set(id, cached);
          if (compactCache.size > COMPACT_CACHE_SIZE) compactCache.delete(compactCache.keys().next().value!);
        }
        return send(res, 200, 'application/json', cached.body);
      }
      case '/api/keys':
        return json(res, store.keys().slice(0, 500));
      case '/api/values':
        return json(res, store.values(q.get('key') ?? '').slice(0, 100));
      case '/api/events': {
        res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', Connection: 'keep-alive' });
        res.write(`event: stats\ndata: ${JSON.stringify(statsNow())}\n\n`);
        streams.add(res);
        req.on('close', () => streams.delete(res));
        return;
      }
      default:
        return send(res, 404, 'text/plain', 'not found');
    }
  };

  const page = (path: string, res: ServerResponse): void => {
    const name = path === '/' ? 'index.html' : path.slice(1);
    const ext = name.slice(name.lastIndexOf('.'));
    if (!/^[a-z0-9-]+\.[a-z]+$/.test(name) || PAGE_TYPES[ext] === undefined) return send(res, 404, 'text/plain', 'not found');
    let content = pageCache.get(name);
    if (content === undefined) {
      try {
        content = readFileSync(join(options.pageDir, name));
      } catch {
        return send(res, 404, 'text/plain', 'not found');
      }
      pageCache.set(name, content);
    }
    res.setHeader('Cache-Control', 'no-cache');
    send(res, 200, PAGE_TYPES[ext]!, content);
  };

  const handle: RequestListener = (req, res) => {
    // A page elsewhere cannot reach the viewer through a DNS name that points at loopback.
    const host = String(req.headers.host ?? '').replace(/:\d+$/, '');
    if (!allowedHosts.has(host) && !allowedHosts.has('*')) return send(res, 403, 'text/plain', `host ${host} is not allowed`);
    const url = new URL(req.url ?? '/', 'http://viewer');
    if (url.pathname === '/v1/traces') {
      if (req.method === 'POST') {
        receive(req, res).catch(() => send(res, 500, 'text/plain', 'internal error'));
        return;
      }
      if (req.method === 'GET') {
        const ids = url.searchParams.getAll('traceId');
        return json(res, store.toOtlp(ids.length > 0 ? ids : undefined));
      }
      if (req.method === 'DELETE') {
        store.clear();
        compactCache.clear();
        options.onClear?.();
        push('cleared', statsNow());
        res.statusCode = 204;
        res.end();
        return;
      }
      res.setHeader('Allow', 'GET, POST, DELETE');
      return send(res, 405, 'text/plain', 'method not allowed');
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain', 'method not allowed');
    if (url.pathname.startsWith('/api/')) return api(url, req, res);
    page(url.pathname, res);
  };

  return {
    handle,
    ingest,
    close() {
      if (timer !== undefined) clearTimeout(timer);
      for (const res of streams) res.end();
      streams.clear();
    },
  };
}

function filterOf(q: URLSearchParams): TraceFilter {
  const f: TraceFilter = {};
  const text = (k: string): string | undefined => q.get(k)?.trim() || undefined;
  const number = (k: string): number | undefined => {
    const v = text(k);
    return v !== undefined && Number.isFinite(Number(v)) ? Number(v) : undefined;
  };
  f.service = text('service');
  f.name = text('name');
  f.attr = text('attr');
  f.minMs = number('minMs');
  f.maxMs = number('maxMs');
  f.run = number('run');
  const status = text('status');
  if (status === 'error' || status === 'ok') f.status = status;
  return f;
}

/** Past this, an oversized body is not even read to its end: the connection is cut. */
const MAX_DRAINED_BYTES = 4 * MAX_BODY_BYTES;

/**
 * Reads the body; past {@link MAX_BODY_BYTES} keeps reading without keeping (so the client,
 * still sending, gets the 413) and resolves undefined; cuts the connection past
 * {@link MAX_DRAINED_BYTES}.
 */
function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = Number(req.headers['content-length'] ?? 0) > MAX_DRAINED_BYTES ? MAX_DRAINED_BYTES + 1 : 0;
    if (size > 0) {
      req.socket.destroy();
      resolve(undefined);
      return;
    }
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_DRAINED_BYTES) {
        req.socket.destroy();
        resolve(undefined);
        return;
      }
      if (size > MAX_BODY_BYTES) {
        chunks.length = 0;
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(size > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks)));
    req.on('error', () => resolve(undefined));
  });
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer): void {
  if (res.headersSent) return;
  res.statusCode = status;
  res.setHeader('Content-Type', type);
  res.end(body);
}

function json(res: ServerResponse, value: unknown): void {
  send(res, 200, 'application/json', JSON.stringify(value));
}
