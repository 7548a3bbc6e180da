/**
 * Canaries: one test per assumption about internals we do not own (src/internal/node-assumptions.ts),
 * run on every Node version in CI, so a new version that breaks one fails here, by name, before
 * users see a fallback. Each checks the probe and the behaviour the code relies on, for real.
 * (The official OTLP exporter's transport fields have theirs in
 * test/exporters/official-transport.test.ts.)
 */
import http from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { context, diag, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { TracerProvider as BasicTracerProvider } from '@opentelemetry/sdk-trace';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ASSUMPTIONS } from '../../src/internal/node-assumptions.js';
import { otelGlobals, readableGlobals } from '../../src/internal/otel-globals.js';
import { captureDiag } from '../helpers/capture-diag.js';

async function server(handler: http.RequestListener): Promise<{ url: string; close: () => Promise<void> }> {
  const s = http.createServer(handler);
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  return {
    url: `http://127.0.0.1:${(s.address() as AddressInfo).port}`,
    close: () =>
      new Promise((resolve) => {
        s.closeAllConnections();
        s.close(() => resolve());
      }),
  };
}

function post(url: string, body: string, agent?: http.Agent): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', ...(agent ? { agent } : {}) }, (res) => {
      res.resume();
      res.on('end', () => resolve());
    });
    req.on('error', reject);
    req.end(body);
  });
}

afterEach(() => diag.disable());

describe.each(Object.entries(ASSUMPTIONS))('%s', (_name, assumption) => {
  it(`holds on Node ${process.version}`, () => {
    expect(assumption.probe(), assumption.what).toBe(true);
  });
});

describe('what the code relies on, for real', () => {
  it('clientRequestStoreHeader: Node calls ClientRequest#_storeHeader once per request, before the headers leave', async () => {
    const target = await server((req, res) => res.end(String(req.headers['x-added'])));
    const proto = http.ClientRequest.prototype as unknown as { _storeHeader: (...args: unknown[]) => unknown };
    const original = proto._storeHeader;
    let calls = 0;
    proto._storeHeader = function (this: http.ClientRequest, ...args: unknown[]) {
      calls++;
      // Headers set here still go out: the moment the client instrumentation injects traceparent.
      this.setHeader('x-added', 'yes');
      const [firstLine, headers] = args as [string, Record<string, [string, string]> | null];
      if (headers && typeof headers === 'object') headers['x-added'] = ['x-added', 'yes'];
      return original.call(this, firstLine, headers, ...args.slice(2));
    };
    try {
      const body = await new Promise<string>((resolve, reject) => {
        http
          .get(target.url, (res) => {
            let data = '';
            res.setEncoding('utf8').on('data', (c: string) => (data += c));
            res.on('end', () => resolve(data));
          })
          .on('error', reject);
      });
      expect(calls).toBe(1);
      expect(body).toBe('yes');
    } finally {
      proto._storeHeader = original;
      await target.close();
    }
  });

  it("emitterEventsObject: a server's req and res keep their listeners in _events (function for one, array for more)", async () => {
    let seen: { reqEnd: unknown; resFinish: unknown } | undefined;
    const target = await server((req, res) => {
      const one = (): void => undefined;
      req.on('end', one);
      const reqEnd = (req as unknown as { _events: Record<string, unknown> })._events['end'];
      res.on('finish', one);
      res.on('finish', one);
      const resFinish = (res as unknown as { _events: Record<string, unknown> })._events['finish'];
      seen = { reqEnd: reqEnd === one || (Array.isArray(reqEnd) && reqEnd.includes(one)), resFinish: Array.isArray(resFinish) };
      req.resume();
      req.on('end', () => res.end('ok'));
    });
    try {
      await post(target.url, 'body');
      expect(seen).toEqual({ reqEnd: true, resFinish: true });
    } finally {
      await target.close();
    }
  });

  it("Node's own 'end' listener on req is a function named clearIncoming, added at 'finish' when the body was not read", async () => {
    let learned: unknown;
    const target = await server((req, res) => {
      res.on('finish', () => {
        const end = (req as unknown as { _events: Record<string, unknown> })._events['end'];
        const fns = Array.isArray(end) ? end : [end];
        learned = fns.map((f) => (typeof f === 'function' ? f.name : typeof f));
      });
      res.end('not reading the body');
    });
    try {
      await post(target.url, 'x'.repeat(100_000));
      // node-listeners.ts learns it by name; should Node rename it, 'end' events only switch context needlessly.
      expect(learned).toContain('clearIncoming');
    } finally {
      await target.close();
    }
  });

  it('agentSocketHooks: a keep-alive Agent creates through createConnection and reuses through reuseSocket', async () => {
    const target = await server((req, res) => {
      req.resume();
      req.on('end', () => res.end('ok'));
    });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const internals = agent as unknown as { createConnection: (...a: unknown[]) => unknown; reuseSocket: (...a: unknown[]) => unknown };
    const created = vi.spyOn(internals, 'createConnection');
    const reused = vi.spyOn(internals, 'reuseSocket');
    try {
      await post(target.url, 'a', agent);
      await post(target.url, 'b', agent);
      expect(created).toHaveBeenCalledTimes(1);
      expect(reused).toHaveBeenCalledTimes(1);
    } finally {
      agent.destroy();
      await target.close();
    }
  });

  it('channelSubscribers: the official instrumentation-undici shows among the subscribers as a bound onRequestCreated', async () => {
    const { UndiciInstrumentation } = await import('@opentelemetry/instrumentation-undici');
    const dc = await import('node:diagnostics_channel');
    const instrumentation = new UndiciInstrumentation();
    try {
      const subscribers = (dc.channel('undici:request:create') as unknown as { _subscribers?: unknown[] })._subscribers ?? [];
      expect(subscribers.map((f) => (f as { name?: string }).name)).toContain('bound onRequestCreated');
    } finally {
      instrumentation.disable();
    }
  });

  it("the official instrumentation-http marks the Server.prototype.emit it wraps with shimmer's __wrapped", async () => {
    const { HttpInstrumentation } = await import('@opentelemetry/instrumentation-http');
    const instrumentation = new HttpInstrumentation({ enabled: false });
    const { createRequire } = await import('node:module');
    const before = http.Server.prototype.emit;
    instrumentation.enable();
    try {
      createRequire(import.meta.url)('http'); // its require hook patches on the next require
      expect((http.Server.prototype.emit as unknown as { __wrapped?: boolean }).__wrapped).toBe(true);
    } finally {
      instrumentation.disable();
      http.Server.prototype.emit = before;
    }
  });

  it("otelApiGlobals: the API's registry holds the context manager itself and a trace proxy that trace.disable() removes", () => {
    const manager = new AsyncLocalStorageContextManager().enable();
    const provider = new BasicTracerProvider();
    try {
      expect(context.setGlobalContextManager(manager)).toBe(true);
      expect(trace.setGlobalTracerProvider(provider)).toBe(true);
      expect(otelGlobals()?.context).toBe(manager);
      const proxy = otelGlobals()?.trace as { getDelegate(): unknown } | undefined;
      expect(proxy?.getDelegate()).toBe(provider);
      trace.disable();
      expect(otelGlobals()?.trace).toBeUndefined();
    } finally {
      trace.disable();
      context.disable();
    }
  });

  it('otelApiGlobals: readableGlobals() gives the entries the API getters return, and nothing for a registry the API ignores', () => {
    const manager = new AsyncLocalStorageContextManager().enable();
    const provider = new BasicTracerProvider();
    const key = Symbol.for('opentelemetry.js.api.1');
    const holder = globalThis as { [key]?: unknown };
    try {
      expect(context.setGlobalContextManager(manager)).toBe(true);
      expect(trace.setGlobalTracerProvider(provider)).toBe(true);
      expect(readableGlobals()?.context).toBe(manager);
      expect(readableGlobals()?.trace).toBe(trace.getTracerProvider());
      expect(readableGlobals()?.propagation).toBeUndefined(); // the API then uses its no-op propagator
      trace.disable();
      context.disable();
      // A registry of another major version's layout: the API reads none of it, nor do we.
      const saved = holder[key];
      holder[key] = { version: '0.0.1', trace: provider, context: manager };
      try {
        expect(trace.getTracerProvider()).not.toBe(provider);
        expect(readableGlobals()).toBeUndefined();
      } finally {
        holder[key] = saved;
      }
    } finally {
      trace.disable();
      context.disable();
    }
  });
});

it('a broken assumption is reported once through diag.warn, with its fallback', async () => {
  vi.resetModules();
  const fresh = await import('../../src/internal/node-assumptions.js');
  const dg = await import('../../src/internal/diag.js');
  dg.forgetReported();
  const messages = captureDiag();
  const proto = http.ClientRequest.prototype as unknown as { _storeHeader?: unknown };
  const hadOwn = Object.prototype.hasOwnProperty.call(proto, '_storeHeader');
  const original = proto._storeHeader;
  proto._storeHeader = undefined; // as a Node version without it would look
  try {
    expect(fresh.checkAssumptions('clientRequestStoreHeader', 'emitterEventsObject').has('clientRequestStoreHeader')).toBe(false);
    fresh.checkAssumptions('clientRequestStoreHeader');
  } finally {
    if (hadOwn) proto._storeHeader = original;
    else delete proto._storeHeader;
  }
  expect(messages).toHaveLength(1);
  expect(messages[0]).toMatch(/breaks an assumption \(http\.ClientRequest\.prototype\._storeHeader.*fallback: outgoing http\/https requests get no CLIENT span/);
});
