/**
 * W3C Baggage on the wire, through the public helpers (`injectContext`/`extractContext` with
 * the propagator `init()` registers): what we write is always valid by the grammar and parses
 * back to the same members; what we read costs bounded work and no exception per member.
 */
import { ROOT_CONTEXT, baggageEntryMetadataFromString, context, propagation } from '@opentelemetry/api';
import type { BaggageEntry } from '@opentelemetry/api';
import { W3CBaggagePropagator } from '@opentelemetry/core';
import fc from 'fast-check';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { extractContext, injectContext } from '../../src/index.js';
import { setupTestTracing } from '../../src/testing/index.js';

const tracing = setupTestTracing({ serviceName: 'baggage-wire' });
afterAll(() => tracing.shutdown());

const TCHAR = "[!#$%&'*+\\-.^_`|~0-9A-Za-z]";
const OCTET = '[\\x21\\x23-\\x2B\\x2D-\\x3A\\x3C-\\x5B\\x5D-\\x7E]';
const PROPERTY = `${TCHAR}+(?:[ \\t]*=[ \\t]*${OCTET}*)?`;
const MEMBER = `${TCHAR}+[ \\t]*=[ \\t]*${OCTET}*(?:[ \\t]*;[ \\t]*${PROPERTY})*`;
/** The W3C Baggage `baggage-string` grammar. */
const BAGGAGE_STRING = new RegExp(`^${MEMBER}(?:[ \\t]*,[ \\t]*${MEMBER})*$`);
const PROPERTY_RE = new RegExp(`^${PROPERTY}$`);

function injectBaggage(entries: Record<string, BaggageEntry>): string | undefined {
  const ctx = propagation.setBaggage(ROOT_CONTEXT, propagation.createBaggage(entries));
  return injectContext<Record<string, string>>({}, ctx)['baggage'];
}
function extractBaggage(header: unknown): Array<[string, string, string | undefined]> {
  const b = propagation.getBaggage(context.with(ROOT_CONTEXT, () => extractContext({ baggage: header })));
  return (b?.getAllEntries() ?? []).map(([k, e]) => [k, e.value, e.metadata?.toString()]);
}
const wellFormed = (s: string): boolean => !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);
/** Reference model of the properties we keep: the valid ones, trimmed, in order. */
function keptProperties(metadata: string | undefined): string | undefined {
  if (metadata === undefined) return undefined;
  const kept = metadata
    .split(';')
    .map((p) => p.replace(/^[ \t]+|[ \t]+$/g, ''))
    .filter((p) => PROPERTY_RE.test(p));
  return kept.length === 0 ? undefined : kept.join(';');
}

const unit = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('a', 'Z', '0', '(', ')', '\r', '\n', ',', ';', '=', '%', '%2', ' ', '\t', '"', '\\', '+', 'é', '€', '😀', '\uD800', '\uDFFF', '\0', '\x7f') },
  { weight: 3, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
  { weight: 3, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }) },
);
const text = fc.string({ unit, maxLength: 12 });
const metadata = fc.option(
  fc.oneof(text, fc.array(fc.oneof(text, fc.constantFrom('p=1', ' q = 2 ', 'flag', 'p\r\nX-Evil: injected', 'x,y', 'k=v v')), { maxLength: 4 }).map((a) => a.join(';'))),
  { nil: undefined },
);
const entries = fc.dictionary(text, fc.record({ value: text, metadata }), { maxKeys: 8 });

describe('inject writes valid baggage that parses back to the same members', () => {
  it('for 20,000 random carriers', () => {
    const core = new W3CBaggagePropagator();
    fc.assert(
      fc.property(entries, (raw) => {
        const record = Object.create(null) as Record<string, BaggageEntry>;
        const expected: Array<[string, string, string | undefined]> = [];
        for (const [key, { value, metadata: m }] of Object.entries(raw)) {
          record[key] = m === undefined ? { value } : { value, metadata: baggageEntryMetadataFromString(m) };
          if (key !== '' && value !== '' && wellFormed(key) && wellFormed(value)) expected.push([key, value, keptProperties(m)]);
        }
        const header = injectBaggage(record);
        // Plain checks (expect() on every one of 20,000 runs would dominate the run time);
        // fast-check reports the failing carrier.
        if (expected.length === 0) return header === undefined;
        if (header === undefined || !BAGGAGE_STRING.test(header)) return false;
        const members = header.split(',');
        if (members.length !== expected.length) return false;
        if (members.some((m) => /%(?![0-9A-F]{2})/.test(m.split(';')[0]!))) return false;
        if (JSON.stringify(extractBaggage(header)) !== JSON.stringify(expected)) return false;
        // And another implementation reads the same keys and values (core loses `__proto__`:
        // it collects entries in a plain object).
        const theirs = propagation.getBaggage(core.extract(ROOT_CONTEXT, { baggage: header }, { get: (c, k) => (c as Record<string, string>)[k], keys: () => [] }));
        const theirPairs = JSON.stringify(theirs?.getAllEntries().map(([k, e]) => [k, e.value]) ?? []);
        return theirPairs === JSON.stringify(expected.filter(([k]) => k !== '__proto__').map(([k, v]) => [k, v]));
      }),
      { numRuns: 20_000 },
    );
  }, 180_000); // about 4 s alone; generous for a loaded 2-core machine

  it('percent-encodes keys to tchar: a(b) goes out as a%28b%29 and comes back as a(b)', () => {
    expect(injectBaggage({ 'a(b)': { value: 'v(1)' } })).toBe('a%28b%29=v(1)');
    expect(extractBaggage('a%28b%29=v(1)')).toEqual([['a(b)', 'v(1)', undefined]]);
  });

  it('drops invalid properties (CR/LF, non-ASCII) and invalid members one by one, never the header', () => {
    const header = injectBaggage({
      good: { value: '1' },
      evil: { value: 'v', metadata: baggageEntryMetadataFromString('p\r\nX-Evil: injected;ok=1') },
      latin1: { value: 'w', metadata: baggageEntryMetadataFromString('m=caf\u00e9') },
      lone: { value: '\uD800' },
      empty: { value: '' },
      last: { value: '2' },
    });
    expect(header).toBe('good=1,evil=v;ok=1,latin1=w,last=2');
  });
});

describe('extract does bounded work whatever the header', () => {
  let decodeCalls = 0;
  let decodeThrows = 0;
  const original = globalThis.decodeURIComponent;
  beforeEach(() => {
    decodeCalls = 0;
    decodeThrows = 0;
    globalThis.decodeURIComponent = (s: string) => {
      decodeCalls++;
      try {
        return original(s);
      } catch (err) {
        decodeThrows++;
        throw err;
      }
    };
  });
  afterEach(() => {
    globalThis.decodeURIComponent = original;
  });

  it('rejects 16 KB of bad escapes without a single decode attempt', () => {
    expect(extractBaggage('a=%ZZ,'.repeat(2731).slice(0, 16384))).toEqual([]);
    expect(extractBaggage(['a=%ZZ', 'b=%C3%28', 'c=%E', 'd=%'])).toEqual([]);
    expect(decodeCalls).toBe(0);
    expect(decodeThrows).toBe(0);
  });

  it('keeps the valid members among invalid ones, and decodes UTF-8', () => {
    expect(extractBaggage('a=1, b=%ZZ ,c = %C3%A9 ;p=1 ; bad\u00e9 ;q,d=x y,e=%C3%28,f="q",g=,=h,i')).toEqual([
      ['a', '1', undefined],
      ['c', 'é', 'p=1;q'],
    ]);
    expect(decodeThrows).toBe(0);
  });

  it('looks at 8192 characters and 180 members at most; a member cut by the limit is dropped', () => {
    const filler = [0, 1, 2].map((i) => `f${i}=` + 'y'.repeat(2697)).join(','); // 8102 characters
    expect(extractBaggage(`${filler},a=1,b=${'z'.repeat(100)},c=3`).map(([k]) => k)).toEqual(['f0', 'f1', 'f2', 'a']);
    expect(extractBaggage('x=' + 'y'.repeat(4095))).toEqual([]); // one member over 4096 characters
    const valid = Array.from({ length: 300 }, (_, i) => `k${i}=v`).join(',');
    expect(extractBaggage(valid)).toHaveLength(180);
    const members = Array.from({ length: 10 }, (_, i) => `k${i}=` + 'v'.repeat(1000)).join(',');
    expect(extractBaggage(members).map(([k]) => k)).toEqual(['k0', 'k1', 'k2', 'k3', 'k4', 'k5', 'k6', 'k7']);
    // Across repeated headers, the limit applies to the joined value.
    const parts = ['a=' + 'v'.repeat(4000), 'b=' + 'v'.repeat(4000), 'c=1', 'd=' + 'w'.repeat(300)];
    expect(extractBaggage(parts).map(([k]) => k)).toEqual(['a', 'b', 'c']);
  });

  it('a member named __proto__ is only a key', () => {
    expect(extractBaggage('__proto__=1,constructor=2')).toEqual([
      ['__proto__', '1', undefined],
      ['constructor', '2', undefined],
    ]);
  });
});
