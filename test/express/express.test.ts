/**
 * tracelight/express against real Express 4 and 5, side by side (npm alias `express4`), over real
 * HTTP on 127.0.0.1: the SERVER span of tracelight/http named by the full route template, errors
 * recorded on it, Express's own answers unchanged.
 */
import http from 'node:http';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import express5 from 'express';
import express4 from 'express4';
import Router22 from 'router22';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { withSpan } from '../../src/index.js';
import { enableHttpInstrumentation } from '../../src/instrumentations/http/index.js';
import { instrumentExpress } from '../../src/instrumentations/express/index.js';
import { forgetReported } from '../../src/internal/diag.js';
import { captureDiag } from '../helpers/capture-diag.js';
import { close, listen, parentId, PARENT_ID, request, setupOtel, TRACE_ID, TRACEPARENT, waitForSpans } from '../http/helpers.js';

const otel = setupOtel();
let disableHttp: () => void;
beforeAll(() => {
  disableHttp = enableHttpInstrumentation();
});
afterAll(async () => {
  disableHttp();
  await otel.teardown();
});

const servers: http.Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map(close));
  otel.exporter.reset();
});

const isServer = (s: ReadableSpan) => s.kind === SpanKind.SERVER;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Express = any;

const versions: Array<[string, Express]> = [
  ['Express 4', express4],
  ['Express 5', express5],
];

describe.each(versions)('%s', (label, express) => {
  const major = label === 'Express 4' ? 4 : 5;

  /** Serves `app` and makes one request; resolves the response and the request's SERVER span. */
  async function hit(app: Express, path: string, options: { method?: string; headers?: http.OutgoingHttpHeaders } = {}) {
    const server = http.createServer(app);
    servers.push(server);
    const port = await listen(server);
    const res = await request({ host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers: options.headers ?? {} });
    const [span] = await waitForSpans(otel.exporter, 1, isServer);
    return { res, span: span! };
  }

  test('a route: GET /users/:id, never the raw path', async () => {
    const app = instrumentExpress(express());
    app.get('/users/:id', (req: Express, res: Express) => res.send(`user ${req.params.id}`));
    const { res, span } = await hit(app, '/users/8123');
    expect(res.status).toBe(200);
    expect(res.body).toBe('user 8123');
    expect(span.name).toBe('GET /users/:id');
    expect(span.attributes['http.route']).toBe('/users/:id');
    expect(span.attributes['url.path']).toBe('/users/8123');
    expect(otel.exporter.getFinishedSpans().filter(isServer)).toHaveLength(1);
  });

  test('routes registered before and after instrumentExpress()', async () => {
    const app = express();
    app.get('/before/:a', (_req: Express, res: Express) => res.send('before'));
    instrumentExpress(app);
    app.get('/after/:b', (_req: Express, res: Express) => res.send('after'));
    const server = http.createServer(app);
    servers.push(server);
    const port = await listen(server);
    expect((await request({ host: '127.0.0.1', port, path: '/before/1' })).body).toBe('before');
    expect((await request({ host: '127.0.0.1', port, path: '/after/2' })).body).toBe('after');
    const spans = await waitForSpans(otel.exporter, 2, isServer);
    expect(spans.map((s) => s.name).sort()).toEqual(['GET /after/:b', 'GET /before/:a']);
  });

  test('nested routers three levels deep, a parameter at each level (mount templates, never values)', async () => {
    const app = instrumentExpress(express());
    const orgs = express.Router({ mergeParams: true });
    const teams = express.Router({ mergeParams: true });
    const members = express.Router({ mergeParams: true });
    members.get('/roles/:role', (req: Express, res: Express) => res.json(req.params));
    teams.use('/members/:member', members);
    orgs.use('/teams/:team', teams);
    app.use('/orgs/:org', orgs);
    const { res, span } = await hit(app, '/orgs/acme42/teams/t7/members/m9/roles/admin');
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ org: 'acme42', team: 't7', member: 'm9', role: 'admin' });
    expect(span.attributes['http.route']).toBe('/orgs/:org/teams/:team/members/:member/roles/:role');
    expect(span.name).toBe('GET /orgs/:org/teams/:team/members/:member/roles/:role');
  });

  test('a router that passes on: the next router\'s route is the one named', async () => {
    const app = instrumentExpress(express());
    const a = express.Router();
    a.get('/x/:id', (_req: Express, _res: Express, next: Express) => next());
    const b = express.Router();
    b.get('/:any/:id', (_req: Express, res: Express) => res.send('b'));
    app.use('/v1', a);
    app.use('/v1', b);
    const { res, span } = await hit(app, '/v1/x/1');
    expect(res.body).toBe('b');
    expect(span.attributes['http.route']).toBe('/v1/:any/:id');
  });

  test("next('route') skips to the next matching route, which names the span; no exception recorded", async () => {
    const app = instrumentExpress(express());
    app.get('/items/:id', (_req: Express, _res: Express, next: Express) => next('route'));
    app.get('/items/:itemId', (req: Express, res: Express) => res.send(req.params.itemId));
    const { res, span } = await hit(app, '/items/3');
    expect(res.body).toBe('3');
    expect(span.attributes['http.route']).toBe('/items/:itemId');
    expect(span.events).toEqual([]);
  });

  test('app.route() with two methods', async () => {
    const app = instrumentExpress(express());
    app
      .route('/books/:isbn')
      .get((_req: Express, res: Express) => res.send('get'))
      .post((_req: Express, res: Express) => res.status(201).send('post'));
    const { res, span } = await hit(app, '/books/978', { method: 'POST' });
    expect(res.status).toBe(201);
    expect(span.name).toBe('POST /books/:isbn');
  });

  test('an array of paths: the element that matched', async () => {
    const app = instrumentExpress(express());
    app.get(['/a/:x', '/b/:y'], (_req: Express, res: Express) => res.send('ok'));
    const { span } = await hit(app, '/b/1');
    expect(span.attributes['http.route']).toBe('/b/:y');
  });

  test('a router mounted at an array of paths', async () => {
    const app = instrumentExpress(express());
    const r = express.Router();
    r.get('/items/:id', (_req: Express, res: Express) => res.send('ok'));
    app.use(['/shop', '/store/:region'], r);
    const { span } = await hit(app, '/store/eu/items/3');
    expect(span.attributes['http.route']).toBe('/store/:region/items/:id');
  });

  test('a regex path: its source', async () => {
    const app = instrumentExpress(express());
    app.get(/^\/re\/(\d+)$/, (_req: Express, res: Express) => res.send('re'));
    const { res, span } = await hit(app, '/re/42');
    expect(res.body).toBe('re');
    expect(span.attributes['http.route']).toBe('^\\/re\\/(\\d+)$');
  });

  test('a regex mount path: its source, then the route', async () => {
    const app = instrumentExpress(express());
    const r = express.Router();
    r.get('/ping', (_req: Express, res: Express) => res.send('pong'));
    app.use(/^\/v\d+/, r);
    const { res, span } = await hit(app, '/v2/ping');
    expect(res.body).toBe('pong');
    expect(span.attributes['http.route']).toBe('^\\/v\\d+/ping');
  });

  test('app.use with a path: a middleware that answers names the span by its mount path', async () => {
    const app = instrumentExpress(express());
    app.use('/static', function serveStatic(_req: Express, res: Express) {
      res.send('file');
    });
    const { res, span } = await hit(app, '/static/css/site.css');
    expect(res.body).toBe('file');
    expect(span.attributes['http.route']).toBe('/static');
    expect(span.name).toBe('GET /static');
  });

  test('a middleware with a path that passes on does not name a 404', async () => {
    const app = instrumentExpress(express());
    app.use('/static', (_req: Express, _res: Express, next: Express) => next());
    const { res, span } = await hit(app, '/static/missing');
    expect(res.status).toBe(404);
    expect(span.name).toBe('GET');
    expect(span.attributes['http.route']).toBeUndefined();
  });

  test('a sub-app: its mount path, then its route', async () => {
    const app = instrumentExpress(express());
    const admin = express();
    admin.get('/users/:id', (_req: Express, res: Express) => res.send('admin'));
    app.use('/admin', admin);
    const { res, span } = await hit(app, '/admin/users/1');
    expect(res.body).toBe('admin');
    expect(span.attributes['http.route']).toBe('/admin/users/:id');
  });

  test('a route at the root of a mounted router: the mount path, no trailing slash', async () => {
    const app = instrumentExpress(express());
    const r = express.Router();
    r.get('/', (_req: Express, res: Express) => res.send('root'));
    app.use('/api', r);
    const { span } = await hit(app, '/api');
    expect(span.attributes['http.route']).toBe('/api');
  });

  test('404: the method-only name and no http.route', async () => {
    const app = instrumentExpress(express());
    app.use(express.json());
    app.get('/users/:id', (_req: Express, res: Express) => res.send('x'));
    const { res, span } = await hit(app, '/nope/1');
    expect(res.status).toBe(404);
    expect(span.name).toBe('GET');
    expect(span.attributes['http.route']).toBeUndefined();
    expect(span.status.code).not.toBe(SpanStatusCode.ERROR);
  });

  test('the wrong method on a known path: 404, method-only name', async () => {
    const app = instrumentExpress(express());
    app.get('/users/:id', (_req: Express, res: Express) => res.send('x'));
    const { res, span } = await hit(app, '/users/1', { method: 'DELETE' });
    expect(res.status).toBe(404);
    expect(span.name).toBe('DELETE');
  });

  test('a sync throw: exception event, ERROR, Express answers 500 as without tracing', async () => {
    const app = instrumentExpress(express());
    app.set('env', 'production');
    app.get('/boom/:id', () => {
      throw new TypeError('sync boom');
    });
    const { res, span } = await hit(app, '/boom/1');
    expect(res.status).toBe(500);
    expect(res.body).toContain('Internal Server Error');
    expect(span.name).toBe('GET /boom/:id');
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    const events = span.events.filter((e) => e.name === 'exception');
    expect(events).toHaveLength(1);
    expect(events[0]!.attributes!['exception.type']).toBe('TypeError');
    expect(events[0]!.attributes!['exception.message']).toBe('sync boom');
  });

  test('next(err) passed through middleware to the final handler: recorded once', async () => {
    const app = instrumentExpress(express());
    app.set('env', 'production');
    app.get('/fail', (_req: Express, _res: Express, next: Express) => next(new RangeError('next boom')));
    app.use((_req: Express, _res: Express, next: Express) => next());
    const { res, span } = await hit(app, '/fail');
    expect(res.status).toBe(500);
    const events = span.events.filter((e) => e.name === 'exception');
    expect(events).toHaveLength(1);
    expect(events[0]!.attributes!['exception.type']).toBe('RangeError');
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
  });

  test('an error with status 400 from next(err): recorded, span not ERROR, Express answers 400', async () => {
    const app = instrumentExpress(express());
    app.set('env', 'production');
    app.get('/bad', (_req: Express, _res: Express, next: Express) => next(Object.assign(new Error('bad input'), { status: 400 })));
    const { res, span } = await hit(app, '/bad');
    expect(res.status).toBe(400);
    expect(span.events.filter((e) => e.name === 'exception')).toHaveLength(1);
    expect(span.status.code).not.toBe(SpanStatusCode.ERROR);
  });

  test('a custom error handler answering 422: the body and status are its own, span not ERROR', async () => {
    const app = instrumentExpress(express());
    app.post('/orders/:id', (_req: Express, _res: Express, next: Express) => next(new Error('invalid order')));
    app.use((err: Error, _req: Express, res: Express, _next: Express) => {
      res.status(422).json({ error: err.message });
    });
    const { res, span } = await hit(app, '/orders/5', { method: 'POST' });
    expect(res.status).toBe(422);
    expect(JSON.parse(res.body)).toEqual({ error: 'invalid order' });
    expect(span.name).toBe('POST /orders/:id');
    expect(span.status.code).not.toBe(SpanStatusCode.ERROR);
    expect(span.events.filter((e) => e.name === 'exception')).toHaveLength(1);
  });

  test.runIf(otel.pipeline === 'tracelight')('the exception message is redacted like every attribute (tracelight pipeline)', async () => {
    const app = instrumentExpress(express());
    app.set('env', 'production');
    app.post('/pay', (_req: Express, _res: Express, next: Express) => next(new Error('card 4111 1111 1111 1111 declined')));
    const { res, span } = await hit(app, '/pay', { method: 'POST' });
    expect(res.status).toBe(500);
    const [event] = span.events.filter((e) => e.name === 'exception');
    expect(event!.attributes!['exception.message']).toBe('card [REDACTED] declined');
  });

  test.runIf(major === 5)('a rejected async handler: exception event, ERROR, 500', async () => {
    const app = instrumentExpress(express());
    app.set('env', 'production');
    app.get('/async/:id', async () => {
      await new Promise((r) => setTimeout(r, 1));
      throw new Error('async boom');
    });
    const { res, span } = await hit(app, '/async/1');
    expect(res.status).toBe(500);
    expect(span.name).toBe('GET /async/:id');
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    const events = span.events.filter((e) => e.name === 'exception');
    expect(events).toHaveLength(1);
    expect(events[0]!.attributes!['exception.message']).toBe('async boom');
  });

  test('an incoming traceparent is continued', async () => {
    const app = instrumentExpress(express());
    app.get('/users/:id', (_req: Express, res: Express) => res.send('ok'));
    const { span } = await hit(app, '/users/1', { headers: { traceparent: TRACEPARENT } });
    expect(span.spanContext().traceId).toBe(TRACE_ID);
    expect(parentId(span)).toBe(PARENT_ID);
    expect(span.name).toBe('GET /users/:id');
  });

  test('withSpan() in handlers: children of their own request, after await, in callbacks and in finish; 200 concurrent', async () => {
    const app = instrumentExpress(express());
    app.use(express.json());
    app.get('/work/:n', async (req: Express, res: Express, next: Express) => {
      try {
        const n = req.params.n;
        await new Promise((r) => setTimeout(r, Number(n) % 7));
        await withSpan(`after-await-${n}`, () => undefined);
        await new Promise<void>((resolve) => setImmediate(() => {
          withSpan(`in-callback-${n}`, () => undefined);
          resolve();
        }));
        res.on('finish', () => withSpan(`in-finish-${n}`, () => undefined));
        res.send(n);
      } catch (err) {
        next(err);
      }
    });
    const server = http.createServer(app);
    servers.push(server);
    const port = await listen(server);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 50 });
    try {
      const bodies = await Promise.all(
        Array.from({ length: 200 }, (_, i) => request({ host: '127.0.0.1', port, path: `/work/${i}`, agent }).then((r) => r.body)),
      );
      expect(bodies).toEqual(Array.from({ length: 200 }, (_, i) => String(i)));
    } finally {
      agent.destroy();
    }
    const spans = await waitForSpans(otel.exporter, 800);
    const servers_ = spans.filter(isServer);
    expect(servers_).toHaveLength(200);
    const byPath = new Map(servers_.map((s) => [s.attributes['url.path'], s]));
    for (let i = 0; i < 200; i++) {
      const server = byPath.get(`/work/${i}`)!;
      expect(server.name).toBe('GET /work/:n');
      for (const kind of ['after-await', 'in-callback', 'in-finish']) {
        const child = spans.find((s) => s.name === `${kind}-${i}`);
        expect(child, `${kind}-${i}`).toBeDefined();
        expect(parentId(child!), `${kind}-${i} under its request`).toBe(server.spanContext().spanId);
        expect(child!.spanContext().traceId).toBe(server.spanContext().traceId);
      }
    }
  });

  test('not an Express app: left as it is, one warning', async () => {
    forgetReported();
    const messages = captureDiag();
    const notApp = { get() {} };
    expect(instrumentExpress(notApp)).toBe(notApp);
    const fn = (_req: unknown, res: http.ServerResponse) => res.end('plain');
    expect(instrumentExpress(fn)).toBe(fn);
    expect(messages.filter((m) => m.includes('not an Express app'))).toHaveLength(1);
    const { res, span } = await hit(fn, '/x');
    expect(res.body).toBe('plain');
    expect(span.name).toBe('GET');
  });

  test('an app whose router is of an unknown shape (another major): works as before, method-only name, one warning', async () => {
    forgetReported();
    const messages = captureDiag();
    // Passes for an Express app (handle, set, use, router) but its layers have neither layer API.
    const fake: Express = Object.assign(
      function app(req: http.IncomingMessage, res: http.ServerResponse) {
        return fake.handle(req, res);
      },
      {
        handle(_req: http.IncomingMessage, res: http.ServerResponse) {
          res.end('fake');
          return 'returned';
        },
        set() {},
        use() {},
        ...(major === 4 ? { lazyrouter() {}, _router: { stack: [{ handle() {} }] } } : { router: { stack: [{ handle() {} }] } }),
      },
    );
    expect(instrumentExpress(fake)).toBe(fake);
    const server = http.createServer(fake);
    servers.push(server);
    const port = await listen(server);
    expect((await request({ host: '127.0.0.1', port, path: '/users/1' })).body).toBe('fake');
    expect((await request({ host: '127.0.0.1', port, path: '/users/2' })).body).toBe('fake');
    const spans = await waitForSpans(otel.exporter, 2, isServer);
    expect(spans.map((s) => s.name)).toEqual(['GET', 'GET']);
    expect(messages.filter((m) => m.includes('router tracelight does not know'))).toHaveLength(1);
  });

  test("spans: 'handlers' adds one span per route handler, under the SERVER span, active in the handler", async () => {
    const app = instrumentExpress(express(), { spans: 'handlers' });
    app.use(express.json());
    const api = express.Router();
    api.get('/users/:id', (_req: Express, res: Express) => withSpan('db', () => res.send('ok')));
    app.use('/api', api);
    const { res, span } = await hit(app, '/api/users/1');
    expect(res.body).toBe('ok');
    const spans = await waitForSpans(otel.exporter, 3);
    const handler = spans.find((s) => s.name === 'request handler - /api/users/:id')!;
    expect(handler).toBeDefined();
    expect(parentId(handler)).toBe(span.spanContext().spanId);
    expect(parentId(spans.find((s) => s.name === 'db')!)).toBe(handler.spanContext().spanId);
    expect(spans.filter((s) => s.name.startsWith('middleware - ') || s.name.startsWith('router - '))).toEqual([]);
    expect(span.name).toBe('GET /api/users/:id');
  });

  test("spans: 'all' adds middleware and router spans, named by the conventions; a handler that throws is ERROR", async () => {
    const app = instrumentExpress(express(), { spans: 'all' });
    app.set('env', 'production');
    app.use(express.json());
    const api = express.Router();
    api.get('/users/:id', function getUser() {
      throw new Error('handler boom');
    });
    app.use('/api', api);
    const { res, span } = await hit(app, '/api/users/1');
    expect(res.status).toBe(500);
    const spans = await waitForSpans(otel.exporter, 4);
    const names = spans.map((s) => s.name);
    expect(names).toContain('middleware - jsonParser');
    expect(names).toContain('router - /api');
    const handler = spans.find((s) => s.name === 'request handler - /api/users/:id')!;
    expect(handler.status.code).toBe(SpanStatusCode.ERROR);
    expect(handler.events.some((e) => e.name === 'exception')).toBe(true);
    for (const s of spans) if (s !== span) expect(s.spanContext().traceId).toBe(span.spanContext().traceId);
    expect(spans.filter(isServer)).toHaveLength(1);
  });

  test('no trace: the app runs the same with no span active', async () => {
    const app = instrumentExpress(express());
    app.get('/users/:id', (req: Express, res: Express) => res.send(String(trace.getActiveSpan() !== undefined) + req.params.id));
    const { res } = await hit(app, '/users/1');
    expect(res.body).toBe('true1');
  });
});

describe('Express 5 with router 2.2 (no layer.rawPath: templates rebuilt from the last match)', () => {
  /** An Express 5 app whose base router, and every router mounted in it, is router 2.2. */
  function app22(): Express {
    const app = express5();
    const base = Router22({ caseSensitive: false, strict: false });
    Object.defineProperty(app, 'router', { configurable: true, enumerable: true, value: base });
    return app;
  }

  async function hit(app: Express, path: string) {
    const server = http.createServer(app);
    servers.push(server);
    const port = await listen(server);
    const res = await request({ host: '127.0.0.1', port, path });
    const [span] = await waitForSpans(otel.exporter, 1, isServer);
    return { res, span: span! };
  }

  test('nested routers with a parameter at each level, and a value equal to a literal segment', async () => {
    const app = instrumentExpress(app22());
    const users = Router22({ mergeParams: true });
    const posts = Router22({ mergeParams: true });
    posts.get('/posts/:post', (req: Express, res: Express) => res.json(req.params));
    users.use('/users/:user', posts);
    app.use('/v/:version', users);
    const { res, span } = await hit(app, '/v/users/users/users/posts/p1');
    expect(JSON.parse(res.body)).toEqual({ version: 'users', user: 'users', post: 'p1' });
    expect(span.attributes['http.route']).toBe('/v/:version/users/:user/posts/:post');
  });

  test('a router mounted at an array of paths, and an array route', async () => {
    const app = instrumentExpress(app22());
    const r = Router22();
    r.get(['/a/:x', '/items/:id'], (_req: Express, res: Express) => res.send('ok'));
    app.use(['/shop', '/store/:region'], r);
    const { span } = await hit(app, '/store/eu/items/3');
    expect(span.attributes['http.route']).toBe('/store/:region/items/:id');
  });

  test('a regex mount cannot be rebuilt: method-only name, one warning, the app answers', async () => {
    forgetReported();
    const messages = captureDiag();
    const app = instrumentExpress(app22());
    const r = Router22();
    r.get('/ping', (_req: Express, res: Express) => res.send('pong'));
    app.use(/^\/v(\d+)/, r);
    const { res, span } = await hit(app, '/v2/ping');
    expect(res.body).toBe('pong');
    expect(span.name).toBe('GET');
    expect(messages.filter((m) => m.includes('mount path has a shape'))).toHaveLength(1);
  });
});
