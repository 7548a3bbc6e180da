/**
 * The W3C Trace Context test suite's cases (see w3c-vectors.ts), run against our propagator
 * twice: on a plain carrier built as an HTTP server would see the headers, and end to end
 * through a real node:http server on 127.0.0.1 (both `req.headersDistinct`, where repeated
 * headers are arrays, and `req.headers`, where Node joins them with ", ").
 */
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ROOT_CONTEXT, defaultTextMapGetter, defaultTextMapSetter, trace } from '@opentelemetry/api';
import type { Context } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TraceContextPropagator } from '../../src/propagation/trace-context-propagator.js';
import { vectors } from './w3c-vectors.js';
import type { Expectation, Vector } from './w3c-vectors.js';

const propagator = new TraceContextPropagator();
const CHILD_SPAN_ID = 'b7ad6b7169203331';

type Outcome = 'new-trace' | { traceId: string; parentId: string; flags: number; isRemote: boolean; out: Record<string, string> };

/** What a service does: continue the extracted context with a child span and inject it. */
function outcome(ctx: Context): Outcome {
  const remote = trace.getSpanContext(ctx);
  if (remote === undefined) return 'new-trace';
  const child = { ...remote, spanId: CHILD_SPAN_ID, isRemote: false };
  const out: Record<string, string> = {};
  propagator.inject(trace.setSpanContext(ROOT_CONTEXT, child), out, defaultTextMapSetter);
  return { traceId: remote.traceId, parentId: remote.spanId, flags: remote.traceFlags, isRemote: remote.isRemote === true, out };
}

function check(got: Outcome, want: Expectation): void {
  if (want === 'new-trace') {
    expect(got).toBe('new-trace');
    return;
  }
  expect(got).not.toBe('new-trace');
  if (got === 'new-trace') return;
  expect({ traceId: got.traceId, parentId: got.parentId, flags: got.flags, isRemote: got.isRemote }).toEqual({
    traceId: want.traceId,
    parentId: want.parentId,
    flags: want.flags,
    isRemote: true,
  });
  const expected: Record<string, string> = {
    traceparent: `00-${want.traceId}-${CHILD_SPAN_ID}-0${want.flags}`,
  };
  if (want.tracestate !== '') expected['tracestate'] = want.tracestate;
  expect(got.out).toEqual(expected);
}

/** Headers as an HTTP server sees them: names lowercased, repeated ones as arrays. */
function distinctCarrier(v: Vector): Record<string, string | string[]> {
  const carrier: Record<string, string | string[]> = {};
  for (const [name, value] of v.headers) {
    const key = name.toLowerCase();
    const prev = carrier[key];
    carrier[key] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
  }
  return carrier;
}

describe('W3C Trace Context test suite vectors (strict level 2, spec level 2)', () => {
  it('covers every parsing/propagation case of test.py', () => {
    const sources = new Set(vectors.map((v) => v.source));
    for (const name of [
      'test_both_traceparent_and_tracestate_missing',
      'test_traceparent_included_tracestate_missing',
      'test_traceparent_duplicated',
      'test_traceparent_header_name',
      'test_traceparent_header_name_valid_casing',
      'test_traceparent_version_0x00',
      'test_traceparent_version_0xcc',
      'test_traceparent_version_0xff',
      'test_traceparent_version_illegal_characters',
      'test_traceparent_version_too_long',
      'test_traceparent_version_too_short',
      'test_traceparent_trace_id_all_zero',
      'test_traceparent_trace_id_illegal_characters',
      'test_traceparent_trace_id_too_long',
      'test_traceparent_trace_id_too_short',
      'test_traceparent_parent_id_all_zero',
      'test_traceparent_parent_id_illegal_characters',
      'test_traceparent_parent_id_too_long',
      'test_traceparent_parent_id_too_short',
      'test_traceparent_trace_flags_illegal_characters',
      'test_traceparent_trace_flags_too_long',
      'test_traceparent_trace_flags_too_short',
      'test_traceparent_ows_handling',
      'test_tracestate_included_traceparent_missing',
      'test_tracestate_included_traceparent_included',
      'test_tracestate_header_name',
      'test_tracestate_header_name_valid_casing',
      'test_tracestate_empty_header',
      'test_tracestate_multiple_headers_different_keys',
      'test_tracestate_duplicated_keys',
      'test_tracestate_all_allowed_characters',
      'test_tracestate_ows_handling',
      'test_tracestate_key_illegal_characters',
      'test_tracestate_key_illegal_vendor_format',
      'test_tracestate_member_count_limit',
      'test_tracestate_key_length_limit',
      'test_tracestate_value_illegal_characters',
      'test_multiple_requests_with_valid_traceparent',
      'test_multiple_requests_without_traceparent',
      'test_multiple_requests_with_illegal_traceparent',
      'test_propagates_random_flag',
    ]) {
      expect(sources, name).toContain(name);
    }
  });

  describe('plain carrier', () => {
    it.each(vectors.map((v) => [`${v.source}: ${v.name}`, v] as const))('%s', (_, v) => {
      check(outcome(propagator.extract(ROOT_CONTEXT, distinctCarrier(v), defaultTextMapGetter)), v.expect);
    });
  });

  describe('through a real node:http server', () => {
    let server: http.Server;
    let port = 0;
    const seen = new Map<string, { distinct: Outcome; joined: Outcome }>();

    beforeAll(async () => {
      server = http.createServer((req, res) => {
        const id = String(req.headers['x-vector']);
        seen.set(id, {
          distinct: outcome(propagator.extract(ROOT_CONTEXT, req.headersDistinct, defaultTextMapGetter)),
          joined: outcome(propagator.extract(ROOT_CONTEXT, req.headers, defaultTextMapGetter)),
        });
        res.end('ok');
      });
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      port = (server.address() as AddressInfo).port;
    });

    afterAll(async () => {
      server.close();
      await once(server, 'close');
    });

    async function send(id: number, v: Vector): Promise<void> {
      // Raw headers keep the vector's order, names and repeats; Node then adds no Host of its own.
      const raw: string[] = ['host', `127.0.0.1:${port}`, 'content-length', '0', 'x-vector', String(id)];
      for (const [name, value] of v.headers) raw.push(name, value);
      const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/test', headers: raw, agent: false });
      req.end();
      const [res] = (await once(req, 'response')) as [http.IncomingMessage];
      res.resume();
      await once(res, 'end');
      expect(res.statusCode).toBe(200);
    }

    it.each(vectors.map((v, i) => [`${v.source}: ${v.name}`, v, i] as const))('%s', async (_, v, i) => {
      await send(i, v);
      const got = seen.get(String(i));
      expect(got).toBeDefined();
      check(got!.distinct, v.expect);
      check(got!.joined, v.expect);
    });
  });
});
