/**
 * W3C Baggage propagation: our own parser and serializer, bounded as the W3C Baggage spec
 * requires and valid by its grammar both ways.
 * @module
 */
import { propagation } from '@opentelemetry/api';
import type { BaggageEntry, Context, TextMapGetter, TextMapPropagator, TextMapSetter } from '@opentelemetry/api';
import { isTracingSuppressed } from '../internal/sdk-core.js';
import { encodeBaggageMember } from './baggage-encode.js';
import { parseBaggage } from './baggage-parse.js';
import { BAGGAGE_HEADER, BAGGAGE_MAX_BYTES, BAGGAGE_MAX_MEMBERS, BAGGAGE_MAX_MEMBER_LENGTH } from './constants.js';

/** A header value as the parser takes it, or `undefined` for anything else. */
function headerValue(header: unknown): string | string[] | undefined {
  if (typeof header === 'string') return header === '' ? undefined : header;
  if (!Array.isArray(header) || header.length === 0) return undefined;
  for (let i = 0; i < header.length; i++) if (typeof header[i] !== 'string') return undefined;
  return header as string[];
}

/**
 * W3C Baggage propagator.
 *
 * Extract: our own parser ({@link parseBaggage}), because the one in `@opentelemetry/core`
 * throws and catches once per member with a bad escape (a 15 KB header of `a=%ZZ,` cost
 * milliseconds of CPU per request) and reads past the size limit. Ours looks at no more than
 * 8192 characters and 180 members, validates by the grammar before decoding, and never throws.
 *
 * Inject: the W3C Baggage spec requires propagating every member while the list has at most 64
 * members and 8192 *bytes*, allows dropping members beyond that and forbids partial members.
 * This one writes members in order, each valid by the grammar (keys percent-encoded to `tchar`,
 * values to `baggage-octet`, invalid properties dropped, see `encodeBaggageMember`), skipping
 * any member that cannot be written validly or would not fit, within 180 members, 4096
 * characters per member and 8192 bytes. Nothing is written when tracing is suppressed. Never
 * throws.
 */
export class BaggagePropagator implements TextMapPropagator {
  /** Writes the `baggage` header for the baggage in `context`, bounded (see the class). */
  inject(context: Context, carrier: unknown, setter: TextMapSetter): void {
    let out = '';
    try {
      const baggage = propagation.getBaggage(context);
      if (baggage === undefined || isTracingSuppressed(context)) return;
      let members = 0;
      for (const [key, entry] of baggage.getAllEntries()) {
        if (members === BAGGAGE_MAX_MEMBERS) break;
        const member = safeMember(key, entry);
        // Encoded members are ASCII: characters are bytes.
        if (member === undefined || member.length > BAGGAGE_MAX_MEMBER_LENGTH) continue;
        if (out.length + member.length + (members === 0 ? 0 : 1) > BAGGAGE_MAX_BYTES) continue;
        out += (members === 0 ? '' : ',') + member;
        members++;
      }
    } catch {
      // A throwing baggage implementation: write what was gathered.
    }
    if (out === '') return;
    try {
      setter.set(carrier, BAGGAGE_HEADER, out);
    } catch {
      // A throwing setter: best effort, never break the call.
    }
  }

  /** Returns `context` with the baggage from the carrier, or `context` itself. */
  extract(context: Context, carrier: unknown, getter: TextMapGetter): Context {
    try {
      const value = headerValue(getter.get(carrier, BAGGAGE_HEADER));
      if (value === undefined) return context;
      const entries = parseBaggage(value);
      if (entries === undefined) return context;
      return propagation.setBaggage(context, propagation.createBaggage(entries));
    } catch {
      return context;
    }
  }

  /** The header this propagator reads and writes. */
  fields(): string[] {
    return [BAGGAGE_HEADER];
  }
}

/** One entry as a valid member, or `undefined`; a throwing entry or metadata only loses itself. */
function safeMember(key: unknown, entry: BaggageEntry | undefined): string | undefined {
  try {
    if (typeof key !== 'string' || typeof entry?.value !== 'string') return undefined;
    const metadata = entry.metadata === undefined ? undefined : String(entry.metadata.toString());
    return encodeBaggageMember(key, entry.value, metadata);
  } catch {
    return undefined;
  }
}

/** Creates the W3C Baggage propagator used for `OTEL_PROPAGATORS=baggage`. */
export function createBaggagePropagator(): TextMapPropagator {
  return new BaggagePropagator();
}
