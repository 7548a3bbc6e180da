/**
 * Header names, flag bits and limits of W3C Trace Context (Level 2) and W3C Baggage, in one place
 * so that parsers, serializers and tests agree on them.
 * @module
 */

/** Name of the W3C `traceparent` header (lowercase, as the spec asks senders to write it). */
export const TRACEPARENT_HEADER = 'traceparent';

/** Name of the W3C `tracestate` header (lowercase, as the spec asks senders to write it). */
export const TRACESTATE_HEADER = 'tracestate';

/** Name of the W3C `baggage` header. */
export const BAGGAGE_HEADER = 'baggage';

/** Length of a version-00 `traceparent` value, and the minimum length of any higher version. */
export const TRACEPARENT_LENGTH = 55;

/** `sampled` trace flag (Level 1): the caller may have recorded trace data. */
export const FLAG_SAMPLED = 0x01;

/** `random-trace-id` trace flag (Level 2): at least the right-most 7 bytes of the trace id are random. */
export const FLAG_RANDOM = 0x02;

/**
 * The trace flags this implementation understands. The spec reserves every other bit ("Vendors
 * MUST set those to zero") and its processing model says to "set all unparsed / unknown
 * trace-flags to 0 on outgoing requests", so both extract and inject mask with this.
 */
export const KNOWN_TRACE_FLAGS = FLAG_SAMPLED | FLAG_RANDOM;

/** Maximum number of list-members in a `tracestate` (spec: 32; more makes the header invalid). */
export const TRACESTATE_MAX_MEMBERS = 32;

/**
 * Most list-members of an incoming `tracestate` we look at, counting empty and duplicate ones;
 * a header with more is invalid. Four times the 32 a valid list may hold: generous for senders
 * that repeat or leave empty members, and it bounds the work for a header of thousands of tiny
 * members (16 KB of `a=1,` would otherwise cost a scan of 4,000 members on every request that
 * reads or forwards it).
 */
export const TRACESTATE_MAX_LIST_MEMBERS = 128;

/** Maximum length of a `tracestate` key (spec: 1 + 0*255 key characters). */
export const TRACESTATE_MAX_KEY_LENGTH = 256;

/** Maximum length of a `tracestate` value (spec: 0*255 chr + 1 non-blank chr). */
export const TRACESTATE_MAX_VALUE_LENGTH = 256;

/**
 * Length up to which we write a combined `tracestate` on inject. The spec says vendors SHOULD
 * propagate at least 512 characters, and that when truncating they MUST drop whole entries:
 * entries longer than {@link TRACESTATE_LARGE_MEMBER} first, then from the end.
 */
export const TRACESTATE_MAX_INJECT_LENGTH = 512;

/** Entries longer than this are the first to go when a `tracestate` must be truncated (spec: 128). */
export const TRACESTATE_LARGE_MEMBER = 128;

/**
 * Longest combined incoming `tracestate` we scan. The longest valid list without optional
 * whitespace is 32 × (256 + 1 + 256) + 31 = 16 447 characters; we allow about as much again for
 * optional whitespace and empty members. Anything longer is a "prohibitively large" header: it
 * is dropped before any per-member work, so a hostile header costs O(1).
 */
export const TRACESTATE_MAX_INPUT_LENGTH = 32_768;

/**
 * W3C Baggage limits. The spec (2024+) requires propagating every member while the list has at
 * most 64 members and 8192 bytes, and allows higher limits; it forbids partial members.
 * `@opentelemetry/core` accepts and writes up to 180 members and 8192 characters, and drops any
 * single member over 4096 characters; we keep its member limits, write at most 8192 bytes and
 * read no more than the first 8192 characters of an incoming header.
 */
export const BAGGAGE_MAX_MEMBERS = 180;

/** Maximum size of a serialized `baggage` header, in UTF-8 bytes (spec minimum: 8192). */
export const BAGGAGE_MAX_BYTES = 8192;

/** Longest single baggage member `@opentelemetry/core` keeps (characters). */
export const BAGGAGE_MAX_MEMBER_LENGTH = 4096;
