/**
 * W3C Baggage propagation: `@opentelemetry/core`'s parser, made safe against odd carriers, and
 * our own serializer, bounded as the W3C Baggage spec requires.
 * @module
 */
import { Buffer } from 'node:buffer';
import { propagation } from '@opentelemetry/api';
import type { Context, TextMapGetter, TextMapPropagator, TextMapSetter } from '@opentelemetry/api';
import { W3CBaggagePropagator, isTracingSuppressed } from '@opentelemetry/core';
import { BAGGAGE_HEADER, BAGGAGE_MAX_BYTES, BAGGAGE_MAX_MEMBERS, BAGGAGE_MAX_MEMBER_LENGTH } from './constants.js';

/** Getter for a carrier that *is* the header value (already checked to be a string or string[]). */
const valueGetter: TextMapGetter<string | string[]> = {
  get: (value) => value,
  keys: () => [BAGGAGE_HEADER],
};

/** A header value as core's parser can take it, or `undefined` for anything else. */
function headerValue(header: unknown): string | string[] | undefined {
  if (typeof header === 'string') return header === '' ? undefined : header;
  if (!Array.isArray(header) || header.length === 0) return undefined;
  for (let i = 0; i < header.length; i++) if (typeof header[i] !== 'string') return undefined;
  return header as string[];
}

/**
 * W3C Baggage propagator.
 *
 * Extract: `@opentelemetry/core`'s parser, which bounds what it accepts (at most 180 members,
 * 8192 characters in all, members over 4096 characters dropped), behind a guard: core's
 * `extract` throws on a non-string header or a throwing getter; this one returns the context.
 *
 * Inject: the W3C Baggage spec requires propagating every member while the list has at most 64
 * members and 8192 *bytes*, allows dropping members beyond that and forbids partial members.
 * Core counts UTF-16 characters (entry metadata may be non-ASCII, so its 8192 characters can be
 * more bytes) and may write metadata containing `,`, which splits a member in two. This one
 * writes members in order, skipping any whose metadata contains `,` or which would not fit,
 * within 180 members, 4096 characters per member (what core accepts on the other side) and
 * 8192 UTF-8 bytes. Nothing is written when tracing is suppressed. Never throws.
 */
export class BaggagePropagator implements TextMapPropagator {
  private readonly _core = new W3CBaggagePropagator();

  /** Writes the `baggage` header for the baggage in `context`, bounded (see the class). */
  inject(context: Context, carrier: unknown, setter: TextMapSetter): void {
    try {
      const baggage = propagation.getBaggage(context);
      if (baggage === undefined || isTracingSuppressed(context)) return;
      let out = '';
      let bytes = 0;
      let members = 0;
      for (const [key, entry] of baggage.getAllEntries()) {
        if (members === BAGGAGE_MAX_MEMBERS) break;
        if (typeof key !== 'string' || typeof entry?.value !== 'string') continue;
        let member = encodeURIComponent(key) + '=' + encodeURIComponent(entry.value);
        if (entry.metadata !== undefined) {
          const metadata = String(entry.metadata.toString());
          if (metadata.includes(',')) continue;
          member += ';' + metadata;
        }
        if (member.length > BAGGAGE_MAX_MEMBER_LENGTH) continue;
        const size = Buffer.byteLength(member, 'utf8') + (members === 0 ? 0 : 1);
        if (bytes + size > BAGGAGE_MAX_BYTES) continue;
        out += (members === 0 ? '' : ',') + member;
        bytes += size;
        members++;
      }
      if (out !== '') setter.set(carrier, BAGGAGE_HEADER, out);
    } catch {
      // A throwing setter or baggage implementation: best effort, never break the call.
    }
  }

  /** Returns `context` with the baggage from the carrier, or `context` itself. */
  extract(context: Context, carrier: unknown, getter: TextMapGetter): Context {
    try {
      const value = headerValue(getter.get(carrier, BAGGAGE_HEADER));
      if (value === undefined) return context;
      return this._core.extract(context, value, valueGetter);
    } catch {
      return context;
    }
  }

  /** The header this propagator reads and writes. */
  fields(): string[] {
    return [BAGGAGE_HEADER];
  }
}

/** Creates the W3C Baggage propagator used for `OTEL_PROPAGATORS=baggage`. */
export function createBaggagePropagator(): TextMapPropagator {
  return new BaggagePropagator();
}
