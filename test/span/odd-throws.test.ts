/**
 * `withSpan` (and `traced`) on values that resist description: status ERROR with a safe
 * description, the very same value rethrown, nothing thrown by tracelight itself.
 */
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { traced, withSpan } from '../../src/index.js';
import { setupTestTracing } from '../../src/testing/index.js';

const tracing = setupTestTracing({ serviceName: 'odd-throws' });
beforeEach(() => tracing.reset());
afterAll(() => tracing.shutdown());

function hostileProxy(): object {
  const boom = (): never => {
    throw new Error('trap');
  };
  return new Proxy({}, { get: boom, has: boom, getPrototypeOf: boom, ownKeys: boom, getOwnPropertyDescriptor: boom });
}

const cases: Array<[string, () => unknown, string]> = [
  ['a null-prototype object', () => Object.create(null), 'thrown value of type object (not printable)'],
  ['a null-prototype object with a message', () => Object.assign(Object.create(null), { message: 'no proto' }), 'no proto'],
  [
    'an object whose toString throws',
    () => ({
      toString() {
        throw new Error('nope');
      },
    }),
    'thrown value of type object (not printable)',
  ],
  ['a Proxy whose traps all throw', hostileProxy, 'thrown value of type object (not printable)'],
  ['a revoked Proxy', () => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    return proxy;
  }, 'thrown value of type object (not printable)'],
  ['an Error whose message getter throws', () => {
    const e = new Error('x');
    Object.defineProperty(e, 'message', { get: () => { throw new Error('getter'); } });
    return e;
  }, 'thrown value of type object (not printable)'],
  ['a symbol', () => Symbol('s'), 'Symbol(s)'],
  ['undefined', () => undefined, 'undefined'],
  ['a string', () => 'plain', 'plain'],
];

describe('withSpan on odd throws', () => {
  it.each(cases)('sync: %s gives ERROR and is rethrown as is', (_name, make, description) => {
    const thrown = make();
    let caught: unknown = 'nothing';
    try {
      withSpan('odd', () => {
        throw thrown;
      });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBe(thrown);
    const span = tracing.find('odd')!;
    expect(span.status).toEqual({ code: 'error', message: description });
  });

  it.each(cases)('async: %s gives ERROR and rejects with it as is', async (_name, make, description) => {
    const thrown = make();
    let caught: unknown = 'nothing';
    await withSpan('odd-async', async () => {
      await null;
      throw thrown;
    }).catch((err: unknown) => {
      caught = err;
    });
    expect(caught).toBe(thrown);
    expect(tracing.find('odd-async')!.status).toEqual({ code: 'error', message: description });
  });

  it('traced() too', () => {
    const thrown = hostileProxy();
    const fn = traced('odd-traced', () => {
      throw thrown;
    });
    let caught: unknown = 'nothing';
    try {
      fn();
    } catch (err) {
      caught = err;
    }
    expect(caught === thrown).toBe(true); // not toBe: vitest would inspect the hostile Proxy
    expect(tracing.find('odd-traced')!.status.code).toBe('error');
  });

  it('an ordinary error keeps its message and exception event', () => {
    expect(() =>
      withSpan('plain', () => {
        throw new TypeError('bad input');
      }),
    ).toThrow('bad input');
    const span = tracing.find('plain')!;
    expect(span.status).toEqual({ code: 'error', message: 'bad input' });
    expect(span.events[0]).toMatchObject({ name: 'exception', attributes: { 'exception.type': 'TypeError', 'exception.message': 'bad input' } });
  });
});
