/**
 * Our own table of vectors, derived (not copied) from the W3C Trace Context test suite
 * (github.com/w3c/trace-context, test/test.py at acab820, run at STRICT_LEVEL=2 SPEC_LEVEL=2):
 * every case there that concerns parsing or propagation, one row per request the harness sends.
 * The harness checks the headers a service sends on its outgoing call; here `expect` is what our
 * propagator must produce when a service continues the extracted context (same trace id and
 * flags, new span id, same tracestate) and injects it:
 * - `'new-trace'`: no remote span context is extracted, so the service starts a new trace and
 *   any tracestate is discarded;
 * - otherwise the continued trace id, the extracted parent id and flags, and the exact outgoing
 *   `tracestate` (`''` = none). Where the suite allows either behaviour (duplicate keys) the
 *   value is the one we chose: the left-most entry is kept.
 * Headers are `[name, value]` in sending order; names are case-insensitive as in HTTP.
 */

export type Expectation =
  | 'new-trace'
  | { traceId: string; parentId: string; flags: number; tracestate: string };

export interface Vector {
  /** test.py method the row comes from, or `spec` for rows we add from the spec text. */
  source: string;
  name: string;
  headers: ReadonlyArray<readonly [string, string]>;
  expect: Expectation;
}

const TP = '00-12345678901234567890123456789012-1234567890123456-01';
const TP00 = '00-12345678901234567890123456789012-1234567890123456-00';
const TRACE = '12345678901234567890123456789012';
const PARENT = '1234567890123456';
const sampled = (tracestate = '') => ({ traceId: TRACE, parentId: PARENT, flags: 1, tracestate });
const notSampled = (tracestate = '') => ({ traceId: TRACE, parentId: PARENT, flags: 0, tracestate });
const withState = (...states: string[]): Array<readonly [string, string]> => [
  ['traceparent', TP00],
  ...states.map((s) => ['tracestate', s] as const),
];

const KEY_WITHOUT_VENDOR = 'abcdefghijklmnopqrstuvwxyz0123456789_-*/';
const KEY_WITH_VENDOR = KEY_WITHOUT_VENDOR + '@a-z0-9_-*/';
const ALL_VALUE_CHARS = (() => {
  let s = '';
  for (let c = 0x20; c <= 0x7e; c++) if (c !== 0x2c && c !== 0x3d) s += String.fromCharCode(c);
  return s;
})();
const members = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => {
    const n = String(from + i).padStart(2, '0');
    return `bar${n}=${n}`;
  }).join(',');

export const vectors: Vector[] = [
  // --- TraceContextTest ---
  { source: 'test_both_traceparent_and_tracestate_missing', name: 'no headers', headers: [], expect: 'new-trace' },
  { source: 'test_traceparent_included_tracestate_missing', name: 'traceparent only', headers: [['traceparent', TP]], expect: sampled() },
  {
    source: 'test_traceparent_duplicated',
    name: 'two different traceparent headers',
    headers: [
      ['traceparent', '00-12345678901234567890123456789011-1234567890123456-01'],
      ['traceparent', '00-12345678901234567890123456789012-1234567890123456-01'],
    ],
    expect: 'new-trace',
  },
  { source: 'test_traceparent_header_name', name: 'trace-parent', headers: [['trace-parent', TP]], expect: 'new-trace' },
  { source: 'test_traceparent_header_name', name: 'trace.parent', headers: [['trace.parent', TP]], expect: 'new-trace' },
  { source: 'test_traceparent_header_name_valid_casing', name: 'TraceParent', headers: [['TraceParent', TP]], expect: sampled() },
  { source: 'test_traceparent_header_name_valid_casing', name: 'TrAcEpArEnT', headers: [['TrAcEpArEnT', TP]], expect: sampled() },
  { source: 'test_traceparent_header_name_valid_casing', name: 'TRACEPARENT', headers: [['TRACEPARENT', TP]], expect: sampled() },
  { source: 'test_traceparent_version_0x00', name: 'v00 trailing dot', headers: [['traceparent', TP + '.']], expect: 'new-trace' },
  {
    source: 'test_traceparent_version_0x00',
    name: 'v00 with extra fields',
    headers: [['traceparent', TP + '-what-the-future-will-be-like']],
    expect: 'new-trace',
  },
  { source: 'test_traceparent_version_0xcc', name: 'vcc', headers: [['traceparent', 'cc' + TP.slice(2)]], expect: sampled() },
  {
    source: 'test_traceparent_version_0xcc',
    name: 'vcc with extra fields',
    headers: [['traceparent', 'cc' + TP.slice(2) + '-what-the-future-will-be-like']],
    expect: sampled(),
  },
  {
    source: 'test_traceparent_version_0xcc',
    name: 'vcc with trailing data not after a dash',
    headers: [['traceparent', 'cc' + TP.slice(2) + '.what-the-future-will-be-like']],
    expect: 'new-trace',
  },
  { source: 'test_traceparent_version_0xff', name: 'vff', headers: [['traceparent', 'ff' + TP.slice(2)]], expect: 'new-trace' },
  { source: 'test_traceparent_version_illegal_characters', name: 'version .0', headers: [['traceparent', '.0' + TP.slice(2)]], expect: 'new-trace' },
  { source: 'test_traceparent_version_illegal_characters', name: 'version 0.', headers: [['traceparent', '0.' + TP.slice(2)]], expect: 'new-trace' },
  { source: 'test_traceparent_version_too_long', name: 'version 000', headers: [['traceparent', '0' + TP]], expect: 'new-trace' },
  { source: 'test_traceparent_version_too_long', name: 'version 0000', headers: [['traceparent', '00' + TP]], expect: 'new-trace' },
  { source: 'test_traceparent_version_too_short', name: 'version 0', headers: [['traceparent', TP.slice(1)]], expect: 'new-trace' },
  {
    source: 'test_traceparent_trace_id_all_zero',
    name: 'zero trace id',
    headers: [['traceparent', '00-00000000000000000000000000000000-1234567890123456-01']],
    expect: 'new-trace',
  },
  {
    source: 'test_traceparent_trace_id_illegal_characters',
    name: 'trace id leading dot',
    headers: [['traceparent', '00-.2345678901234567890123456789012-1234567890123456-01']],
    expect: 'new-trace',
  },
  {
    source: 'test_traceparent_trace_id_illegal_characters',
    name: 'trace id trailing dot',
    headers: [['traceparent', '00-1234567890123456789012345678901.-1234567890123456-01']],
    expect: 'new-trace',
  },
  {
    source: 'test_traceparent_trace_id_too_long',
    name: 'trace id 33 chars',
    headers: [['traceparent', '00-123456789012345678901234567890123-1234567890123456-01']],
    expect: 'new-trace',
  },
  {
    source: 'test_traceparent_trace_id_too_short',
    name: 'trace id 31 chars',
    headers: [['traceparent', '00-1234567890123456789012345678901-1234567890123456-01']],
    expect: 'new-trace',
  },
  {
    source: 'test_traceparent_parent_id_all_zero',
    name: 'zero parent id',
    headers: [['traceparent', '00-12345678901234567890123456789012-0000000000000000-01']],
    expect: 'new-trace',
  },
  {
    source: 'test_traceparent_parent_id_illegal_characters',
    name: 'parent id leading dot',
    headers: [['traceparent', '00-12345678901234567890123456789012-.234567890123456-01']],
    expect: 'new-trace',
  },
  {
    source: 'test_traceparent_parent_id_illegal_characters',
    name: 'parent id trailing dot',
    headers: [['traceparent', '00-12345678901234567890123456789012-123456789012345.-01']],
    expect: 'new-trace',
  },
  {
    source: 'test_traceparent_parent_id_too_long',
    name: 'parent id 17 chars',
    headers: [['traceparent', '00-12345678901234567890123456789012-12345678901234567-01']],
    expect: 'new-trace',
  },
  {
    source: 'test_traceparent_parent_id_too_short',
    name: 'parent id 15 chars',
    headers: [['traceparent', '00-12345678901234567890123456789012-123456789012345-01']],
    expect: 'new-trace',
  },
  {
    source: 'test_traceparent_trace_flags_illegal_characters',
    name: 'flags .0',
    headers: [['traceparent', '00-12345678901234567890123456789012-1234567890123456-.0']],
    expect: 'new-trace',
  },
  {
    source: 'test_traceparent_trace_flags_illegal_characters',
    name: 'flags 0.',
    headers: [['traceparent', '00-12345678901234567890123456789012-1234567890123456-0.']],
    expect: 'new-trace',
  },
  {
    source: 'test_traceparent_trace_flags_too_long',
    name: 'flags 001',
    headers: [['traceparent', '00-12345678901234567890123456789012-1234567890123456-001']],
    expect: 'new-trace',
  },
  {
    source: 'test_traceparent_trace_flags_too_short',
    name: 'flags 1',
    headers: [['traceparent', '00-12345678901234567890123456789012-1234567890123456-1']],
    expect: 'new-trace',
  },
  { source: 'test_traceparent_ows_handling', name: 'leading space', headers: [['traceparent', ' ' + TP]], expect: sampled() },
  { source: 'test_traceparent_ows_handling', name: 'leading tab', headers: [['traceparent', '\t' + TP]], expect: sampled() },
  { source: 'test_traceparent_ows_handling', name: 'trailing space', headers: [['traceparent', TP + ' ']], expect: sampled() },
  { source: 'test_traceparent_ows_handling', name: 'trailing tab', headers: [['traceparent', TP + '\t']], expect: sampled() },
  { source: 'test_traceparent_ows_handling', name: 'both sides', headers: [['traceparent', '\t ' + TP + ' \t']], expect: sampled() },
  {
    source: 'test_tracestate_included_traceparent_missing',
    name: 'tracestate foo=1 alone',
    headers: [['tracestate', 'foo=1']],
    expect: 'new-trace',
  },
  {
    source: 'test_tracestate_included_traceparent_missing',
    name: 'tracestate foo=1,bar=2 alone',
    headers: [['tracestate', 'foo=1,bar=2']],
    expect: 'new-trace',
  },
  {
    source: 'test_tracestate_included_traceparent_included',
    name: 'both headers',
    headers: withState('foo=1,bar=2'),
    expect: notSampled('foo=1,bar=2'),
  },
  {
    source: 'test_tracestate_header_name',
    name: 'trace-state',
    headers: [['traceparent', TP00], ['trace-state', 'foo=1']],
    expect: notSampled(''),
  },
  {
    source: 'test_tracestate_header_name',
    name: 'trace.state',
    headers: [['traceparent', TP00], ['trace.state', 'foo=1']],
    expect: notSampled(''),
  },
  ...['TraceState', 'TrAcEsTaTe', 'TRACESTATE'].map((name) => ({
    source: 'test_tracestate_header_name_valid_casing',
    name,
    headers: [['traceparent', TP00], [name, 'foo=1']] as const,
    expect: notSampled('foo=1'),
  })),
  { source: 'test_tracestate_empty_header', name: 'empty', headers: withState(''), expect: notSampled('') },
  { source: 'test_tracestate_empty_header', name: 'foo=1 then empty', headers: withState('foo=1', ''), expect: notSampled('foo=1') },
  { source: 'test_tracestate_empty_header', name: 'empty then foo=1', headers: withState('', 'foo=1'), expect: notSampled('foo=1') },
  {
    source: 'test_tracestate_multiple_headers_different_keys',
    name: 'three headers combined in order',
    headers: withState('foo=1,bar=2', 'rojo=1,congo=2', 'baz=3'),
    expect: notSampled('foo=1,bar=2,rojo=1,congo=2,baz=3'),
  },
  { source: 'test_tracestate_duplicated_keys', name: 'foo=1,foo=1', headers: withState('foo=1,foo=1'), expect: notSampled('foo=1') },
  { source: 'test_tracestate_duplicated_keys', name: 'foo=1,foo=2', headers: withState('foo=1,foo=2'), expect: notSampled('foo=1') },
  { source: 'test_tracestate_duplicated_keys', name: 'foo=1 twice', headers: withState('foo=1', 'foo=1'), expect: notSampled('foo=1') },
  { source: 'test_tracestate_duplicated_keys', name: 'foo=1 then foo=2', headers: withState('foo=1', 'foo=2'), expect: notSampled('foo=1') },
  {
    source: 'test_tracestate_all_allowed_characters',
    name: 'every key and value character',
    headers: withState(KEY_WITHOUT_VENDOR + '=' + ALL_VALUE_CHARS),
    expect: notSampled(KEY_WITHOUT_VENDOR + '=' + ALL_VALUE_CHARS),
  },
  {
    source: 'test_tracestate_all_allowed_characters',
    name: 'every character, key with @',
    headers: withState(KEY_WITH_VENDOR + '=' + ALL_VALUE_CHARS),
    expect: notSampled(KEY_WITH_VENDOR + '=' + ALL_VALUE_CHARS),
  },
  {
    source: 'test_tracestate_ows_handling',
    name: 'spaces and tabs around commas',
    headers: withState('foo=1 \t , \t bar=2, \t baz=3'),
    expect: notSampled('foo=1,bar=2,baz=3'),
  },
  {
    source: 'test_tracestate_ows_handling',
    name: 'tabs and spaces around commas',
    headers: withState('foo=1\t \t,\t \tbar=2,\t \tbaz=3'),
    expect: notSampled('foo=1,bar=2,baz=3'),
  },
  ...[' foo=1', '\tfoo=1', 'foo=1 ', 'foo=1\t', '\t foo=1 \t'].map((value) => ({
    source: 'test_tracestate_ows_handling',
    name: `OWS ${JSON.stringify(value)}`,
    headers: withState(value),
    expect: notSampled('foo=1'),
  })),
  { source: 'test_tracestate_key_illegal_characters', name: 'foo =1', headers: withState('foo =1'), expect: notSampled('') },
  { source: 'test_tracestate_key_illegal_characters', name: 'FOO=1', headers: withState('FOO=1'), expect: notSampled('') },
  { source: 'test_tracestate_key_illegal_characters', name: 'foo.bar=1', headers: withState('foo.bar=1'), expect: notSampled('') },
  {
    source: 'test_tracestate_key_illegal_vendor_format',
    name: 'foo@ (Level 2 key grammar)',
    headers: withState('foo@=1,bar=2'),
    expect: notSampled('foo@=1,bar=2'),
  },
  {
    source: 'test_tracestate_key_illegal_vendor_format',
    name: '@foo drops the whole list',
    headers: withState('@foo=1,bar=2'),
    expect: notSampled(''),
  },
  {
    source: 'test_tracestate_key_illegal_vendor_format',
    name: 'foo@@bar',
    headers: withState('foo@@bar=1,bar=2'),
    expect: notSampled('foo@@bar=1,bar=2'),
  },
  {
    source: 'test_tracestate_key_illegal_vendor_format',
    name: 'foo@bar@baz',
    headers: withState('foo@bar@baz=1,bar=2'),
    expect: notSampled('foo@bar@baz=1,bar=2'),
  },
  {
    source: 'test_tracestate_member_count_limit',
    name: '32 members over 4 headers',
    headers: withState(members(1, 10), members(11, 20), members(21, 30), members(31, 32)),
    expect: notSampled(members(1, 32)),
  },
  {
    source: 'test_tracestate_member_count_limit',
    name: '33 members drop the list',
    headers: withState(members(1, 10), members(11, 20), members(21, 30), members(31, 33)),
    expect: notSampled(''),
  },
  {
    source: 'test_tracestate_key_length_limit',
    name: 'key of 256',
    headers: withState('foo=1', 'z'.repeat(256) + '=1'),
    expect: notSampled('foo=1,' + 'z'.repeat(256) + '=1'),
  },
  {
    source: 'test_tracestate_key_length_limit',
    name: 'key of 257 drops the list',
    headers: withState('foo=1', 'z'.repeat(257) + '=1'),
    expect: notSampled(''),
  },
  ...['t'.repeat(241) + '@' + 'v'.repeat(14), 't'.repeat(242) + '@v', 't@' + 'v'.repeat(15)].map((key) => ({
    source: 'test_tracestate_key_length_limit',
    name: `key with @ of ${key.length}`,
    headers: withState('foo=1', key + '=1'),
    expect: notSampled('foo=1,' + key + '=1'),
  })),
  {
    source: 'test_tracestate_value_illegal_characters',
    name: 'foo=bar=baz',
    headers: withState('foo=bar=baz'),
    expect: notSampled(''),
  },
  {
    source: 'test_tracestate_value_illegal_characters',
    name: 'empty value drops the list',
    headers: withState('foo=,bar=3'),
    expect: notSampled(''),
  },
  // --- AdvancedTest (the propagation part: what is extracted; new span ids are the span module's) ---
  { source: 'test_multiple_requests_with_valid_traceparent', name: 'valid', headers: [['traceparent', TP]], expect: sampled() },
  { source: 'test_multiple_requests_without_traceparent', name: 'none', headers: [], expect: 'new-trace' },
  {
    source: 'test_multiple_requests_with_illegal_traceparent',
    name: 'zero trace id',
    headers: [['traceparent', '00-00000000000000000000000000000000-1234567890123456-01']],
    expect: 'new-trace',
  },
  // --- TraceContext2Test (SPEC_LEVEL=2) ---
  {
    source: 'test_propagates_random_flag',
    name: 'random flag kept',
    headers: [['traceparent', '00-12345678901234567890123456789012-1234567890123456-02']],
    expect: { traceId: TRACE, parentId: PARENT, flags: 2, tracestate: '' },
  },
  // --- Rows we add from the spec text ---
  {
    source: 'spec',
    name: 'uppercase hex in trace id',
    headers: [['traceparent', '00-1234567890123456789012345678901A-1234567890123456-01']],
    expect: 'new-trace',
  },
  {
    source: 'spec',
    name: 'uppercase hex in flags',
    headers: [['traceparent', '00-12345678901234567890123456789012-1234567890123456-0B']],
    expect: 'new-trace',
  },
  {
    source: 'spec',
    name: 'reserved flags zeroed (ff -> 03)',
    headers: [['traceparent', '00-12345678901234567890123456789012-1234567890123456-ff']],
    expect: { traceId: TRACE, parentId: PARENT, flags: 3, tracestate: '' },
  },
  {
    source: 'spec',
    name: 'higher version shorter than 55',
    headers: [['traceparent', 'cc-12345678901234567890123456789012-1234567890123456-0']],
    expect: 'new-trace',
  },
  {
    source: 'spec',
    name: 'higher version, flags then a bare dash',
    headers: [['traceparent', 'cc' + TP.slice(2) + '-']],
    expect: sampled(),
  },
  {
    source: 'spec',
    name: 'higher version keeps tracestate',
    headers: [['traceparent', 'cc' + TP00.slice(2) + '-x'], ['tracestate', 'foo=1']],
    expect: notSampled('foo=1'),
  },
  {
    source: 'spec',
    name: 'invalid traceparent drops a valid tracestate',
    headers: [['traceparent', 'ff' + TP.slice(2)], ['tracestate', 'foo=1']],
    expect: 'new-trace',
  },
  {
    source: 'spec',
    name: 'leading spaces of a value are kept, trailing ones dropped',
    headers: withState('foo=  a b  ,bar=2'),
    expect: notSampled('foo=  a b,bar=2'),
  },
  {
    source: 'spec',
    name: 'tab inside a value drops the list',
    headers: withState('foo=a\tb'),
    expect: notSampled(''),
  },
  {
    source: 'spec',
    name: 'value of 257 drops the list',
    headers: withState('foo=' + 'v'.repeat(257)),
    expect: notSampled(''),
  },
  {
    source: 'spec',
    name: 'empty members skipped',
    headers: withState(',, foo=1 ,\t,bar=2,'),
    expect: notSampled('foo=1,bar=2'),
  },
];
