import { createContextKey, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import type { Context } from '@opentelemetry/api';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LIGHT_ROOT_CONTEXT, lightBase } from '../../src/internal/light-context.js';

const KEYS = [createContextKey('a'), createContextKey('b'), createContextKey('c'), createContextKey('d')];

type Op = { kind: 'set'; key: number; value: number | undefined } | { kind: 'delete'; key: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), key: fc.integer({ min: 0, max: 3 }), value: fc.option(fc.integer(), { nil: undefined }) }),
  fc.record({ kind: fc.constant('delete' as const), key: fc.integer({ min: 0, max: 3 }) }),
);

function apply(ctx: Context, ops: Op[]): Context[] {
  const seen = [ctx];
  for (const o of ops) {
    ctx = o.kind === 'set' ? ctx.setValue(KEYS[o.key]!, o.value) : ctx.deleteValue(KEYS[o.key]!);
    seen.push(ctx);
  }
  return seen;
}

describe('LightContext', () => {
  it('reads like the API BaseContext after any sequence of setValue/deleteValue, at every step (also past the fold at 8 nodes)', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        const light = apply(LIGHT_ROOT_CONTEXT, ops);
        const base = apply(ROOT_CONTEXT, ops);
        for (let i = 0; i < light.length; i++) {
          for (const key of KEYS) expect(light[i]!.getValue(key)).toBe(base[i]!.getValue(key));
        }
      }),
    );
  });

  it('over a foreign base: its values show through until set or deleted on top', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 30 }), (ops) => {
        const foreign = ROOT_CONTEXT.setValue(KEYS[0]!, 'x').setValue(KEYS[2]!, 'y');
        const light = apply(lightBase(foreign), ops);
        const base = apply(foreign, ops);
        for (let i = 0; i < light.length; i++) {
          for (const key of KEYS) expect(light[i]!.getValue(key)).toBe(base[i]!.getValue(key));
        }
      }),
    );
  });

  it('is immutable: extending a context leaves it and its other children unchanged', () => {
    const parent = LIGHT_ROOT_CONTEXT.setValue(KEYS[0]!, 1);
    const child1 = parent.setValue(KEYS[0]!, 2);
    const child2 = parent.deleteValue(KEYS[0]!);
    expect(parent.getValue(KEYS[0]!)).toBe(1);
    expect(child1.getValue(KEYS[0]!)).toBe(2);
    expect(child2.getValue(KEYS[0]!)).toBeUndefined();
    expect(LIGHT_ROOT_CONTEXT.getValue(KEYS[0]!)).toBeUndefined();
  });

  it('lightBase: ROOT_CONTEXT becomes the light root, light contexts stay as they are', () => {
    expect(lightBase(ROOT_CONTEXT)).toBe(LIGHT_ROOT_CONTEXT);
    const light = LIGHT_ROOT_CONTEXT.setValue(KEYS[1]!, 'v');
    expect(lightBase(light)).toBe(light);
  });

  it('works with the trace API (setSpan/getSpan/deleteSpan)', () => {
    const span = trace.wrapSpanContext({ traceId: '1'.repeat(32), spanId: '2'.repeat(16), traceFlags: 1 });
    const ctx = trace.setSpan(LIGHT_ROOT_CONTEXT, span);
    expect(trace.getSpan(ctx)).toBe(span);
    expect(trace.getSpan(trace.deleteSpan(ctx))).toBeUndefined();
  });

  it('a lookup stays bounded however deep the chain grows', () => {
    let ctx: Context = LIGHT_ROOT_CONTEXT;
    for (let i = 0; i < 100_000; i++) ctx = ctx.setValue(KEYS[i % 2]!, i);
    // Folding keeps at most 8 nodes in front of a map, so a miss never walks the whole chain.
    expect((ctx as unknown as { _depth: number })._depth).toBeLessThanOrEqual(8);
    expect(ctx.getValue(KEYS[3]!)).toBeUndefined();
    expect(ctx.getValue(KEYS[1]!)).toBe(99_999);
    expect(ctx.getValue(KEYS[0]!)).toBe(99_998);
  });
});
