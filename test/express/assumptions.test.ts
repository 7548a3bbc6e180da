/**
 * Canaries for every assumption tracelight/express makes about Express internals
 * (src/instrumentations/express/express-assumptions.ts), against the real Express 4 and 5: a new
 * Express or router release that breaks one fails here, by name.
 */
import http from 'node:http';
import express5 from 'express';
import express4 from 'express4';
import Router22 from 'router22';
import { afterEach, describe, expect, it } from 'vitest';
import {
  appMajor,
  appRouter,
  express4Template,
  isExpressApp,
  isRouterHandle,
  layerShape,
  matchedPattern,
  templateFromMatch,
} from '../../src/instrumentations/express/express-assumptions.js';
import type { ExpressLayer, LayerShape } from '../../src/instrumentations/express/express-assumptions.js';
import { close, listen } from '../http/helpers.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Express = any;

const servers: http.Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map(close));
});

async function get(app: Express, path: string): Promise<string> {
  const server = http.createServer(app);
  servers.push(server);
  const port = await listen(server);
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c));
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });
}

/** Records every (layer, next) a request passes through, by wrapping the request method for the duration. */
function recordLayers(shape: LayerShape, run: () => Promise<unknown>) {
  const seen: Array<{ layer: ExpressLayer; next: unknown; req: object }> = [];
  const original = shape.proto[shape.requestMethod] as (...args: unknown[]) => unknown;
  shape.proto[shape.requestMethod] = function (this: ExpressLayer, req: object, res: unknown, next: unknown) {
    seen.push({ layer: this, next, req });
    return original.call(this, req, res, next);
  };
  return run().finally(() => {
    shape.proto[shape.requestMethod] = original;
  }).then(() => seen);
}

describe.each([
  ['Express 4', express4, 4],
  ['Express 5', express5, 5],
] as Array<[string, Express, 4 | 5]>)('%s', (_label, express, major) => {
  it('an app is recognised (handle, set, use, its router) and its major read before any route', () => {
    const app = express();
    expect(isExpressApp(app)).toBe(true);
    expect(appMajor(app)).toBe(major);
    expect(isExpressApp(express.Router())).toBe(false);
    expect(isExpressApp(() => undefined)).toBe(false);
  });

  it('the router holds its layers in `stack`, all of one Layer.prototype with the expected methods', () => {
    const app = express();
    app.get('/a', (_req: Express, res: Express) => res.end());
    const router = appRouter(app)!;
    const shape = layerShape(router) as LayerShape;
    expect(shape).toMatchObject({ major });
    const route = (router.stack as ExpressLayer[]).find((l) => l.route)!;
    expect(Object.getPrototypeOf(route)).toBe(shape.proto);
    // The handlers inside a route are layers of the same prototype, without `route`.
    const inner = (route.route as { stack: ExpressLayer[] }).stack[0]!;
    expect(Object.getPrototypeOf(inner)).toBe(shape.proto);
    expect(inner.route).toBeUndefined();
    expect(isRouterHandle(express.Router())).toBe(true);
  });

  it('one dispatch passes one `next` to all its layers; a mounted router and a route start dispatches of their own', async () => {
    const app = express();
    app.use(function first(_req: Express, _res: Express, next: Express) {
      next();
    });
    const r = express.Router();
    r.use(function inner(_req: Express, _res: Express, next: Express) {
      next();
    });
    r.get('/x/:id', function handler(_req: Express, res: Express) {
      res.send('ok');
    });
    app.use('/r', r);
    const shape = layerShape(appRouter(app)!) as LayerShape;
    const seen = await recordLayers(shape, () => get(app, '/r/x/1'));
    const byName = (n: string) => seen.find((s) => s.layer.name === n)!;
    const appNext = byName('first').next;
    expect(seen.filter((s) => s.next === appNext).map((s) => s.layer.name)).toContain('router');
    expect(byName('inner').next).not.toBe(appNext);
    const routeEntry = seen.find((s) => s.layer.route !== undefined)!;
    expect(routeEntry.next).toBe(byName('inner').next);
    expect(routeEntry.layer.route!.path).toBe('/x/:id');
    expect(byName('handler').next).not.toBe(routeEntry.next);
  });

  it.runIf(major === 4)('Express 4: a mount path is rebuilt from the compiled path, its keys and the matched part', async () => {
    const app = express();
    const r = express.Router();
    r.get('/y', (_req: Express, res: Express) => res.send('ok'));
    app.use('/orgs/:org/teams/:team', r);
    app.use(['/a/:x', '/b/:y'], r);
    app.use(/^\/re\/\d+/, r);
    const shape = layerShape(appRouter(app)!) as LayerShape;
    const templates: Array<string | undefined> = [];
    const original = shape.proto[shape.requestMethod] as (...args: unknown[]) => unknown;
    // Read at entry: the matched part lives on the layer until the next request matches it.
    shape.proto[shape.requestMethod] = function (this: ExpressLayer, req: object, res: unknown, next: unknown) {
      if (this.name === 'router') templates.push(express4Template(this, false));
      return original.call(this, req, res, next);
    };
    try {
      await get(app, '/orgs/acme/teams/t1/y');
      await get(app, '/b/9/y');
      await get(app, '/re/12/y');
    } finally {
      shape.proto[shape.requestMethod] = original;
    }
    expect(templates).toContain('/orgs/:org/teams/:team');
    expect(templates).toContain('/b/:y');
    expect(templates).toContain('^\\/re\\/\\d+');
  });

  it.runIf(major === 5)('Express 5: a layer keeps its registered path in rawPath, and the matched element of an array on req', async () => {
    const app = express();
    const r = express.Router();
    r.get('/y', (_req: Express, res: Express) => res.send('ok'));
    app.use(['/a/:x', '/b/:y'], r);
    const shape = layerShape(appRouter(app)!) as LayerShape;
    const patterns: unknown[] = [];
    const original = shape.proto[shape.requestMethod] as (...args: unknown[]) => unknown;
    shape.proto[shape.requestMethod] = function (this: ExpressLayer, req: object, res: unknown, next: unknown) {
      if (this.name === 'router') patterns.push([this.rawPath, matchedPattern(req)]);
      return original.call(this, req, res, next);
    };
    try {
      expect(await get(app, '/b/9/y')).toBe('ok');
    } finally {
      shape.proto[shape.requestMethod] = original;
    }
    expect(patterns).toEqual([[['/a/:x', '/b/:y'], '/b/:y']]);
  });
});

describe('Express 5 with router 2.2', () => {
  it('a layer has no rawPath but holds its last match (path, params) when entered, and the template is rebuilt from it', async () => {
    const app: Express = express5();
    Object.defineProperty(app, 'router', { configurable: true, value: Router22() });
    const r = Router22();
    r.get('/y', (_req: Express, res: Express) => res.send('ok'));
    app.use('/orgs/:org', r);
    const shape = layerShape(appRouter(app)!) as LayerShape;
    expect(shape).toMatchObject({ major: 5 });
    const seen: unknown[] = [];
    const original = shape.proto[shape.requestMethod] as (...args: unknown[]) => unknown;
    shape.proto[shape.requestMethod] = function (this: ExpressLayer, req: object, res: unknown, next: unknown) {
      if (this.name === 'router') seen.push(['rawPath' in this, this.path, this.params, templateFromMatch(this)]);
      return original.call(this, req, res, next);
    };
    try {
      expect(await get(app, '/orgs/acme/y')).toBe('ok');
    } finally {
      shape.proto[shape.requestMethod] = original;
    }
    expect(seen).toEqual([[false, '/orgs/acme', { org: 'acme' }, '/orgs/:org']]);
  });
});
