/**
 * A small decoder of OTLP/protobuf `ExportTraceServiceRequest` bodies into the viewer's OTLP/JSON
 * shapes, written by hand so the viewer needs no protobuf library at runtime. Field numbers follow
 * opentelemetry-proto (trace/v1, common/v1, resource/v1); unknown fields are skipped, as protobuf
 * requires. test/viewer/otlp-proto.test.ts checks it against the official generated schema.
 * Malformed input throws {@link BadOtlp}; nesting is bounded by {@link MAX_VALUE_DEPTH}.
 */
import { BadOtlp, MAX_VALUE_DEPTH, emptySpan } from './otlp-model.js';
import type { AnyValue, KeyValue, ResourceSpans, Scope, ScopeSpans, Span, SpanEvent, SpanLink, TracesRequest } from './otlp-model.js';

const utf8 = new TextDecoder('utf-8');

/** A cursor over one message's bytes. */
class Reader {
  pos: number;
  constructor(
    readonly buf: Uint8Array,
    start: number,
    readonly end: number,
  ) {
    this.pos = start;
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  varint(): number {
    // Up to 2^53 exactly; larger values (int64 attributes) go through bigVarint.
    let result = 0;
    let shift = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new BadOtlp('truncated varint');
      const b = this.buf[this.pos++]!;
      result += (b & 0x7f) * shift;
      if (b < 0x80) return result;
      shift *= 128;
    }
    throw new BadOtlp('varint longer than 10 bytes');
  }

  bigVarint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new BadOtlp('truncated varint');
      const b = this.buf[this.pos++]!;
      result |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return BigInt.asUintN(64, result);
      shift += 7n;
    }
    throw new BadOtlp('varint longer than 10 bytes');
  }

  fixed32(): number {
    if (this.pos + 4 > this.end) throw new BadOtlp('truncated fixed32');
    const b = this.buf;
    const p = this.pos;
    this.pos += 4;
    return (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16)) + b[p + 3]! * 0x1000000;
  }

  fixed64String(): string {
    const lo = this.fixed32();
    const hi = this.fixed32();
    if (hi < 0x200000) return String(hi * 0x100000000 + lo);
    return ((BigInt(hi) << 32n) | BigInt(lo)).toString();
  }

  double(): number {
    if (this.pos + 8 > this.end) throw new BadOtlp('truncated double');
    const view = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 8);
    this.pos += 8;
    return view.getFloat64(0, true);
  }

  /** A length-delimited field: returns a reader over its bytes and moves past them. */
  sub(): Reader {
    const length = this.varint();
    const start = this.pos;
    if (length > this.end - start) throw new BadOtlp('length-delimited field runs past its message');
    this.pos = start + length;
    return new Reader(this.buf, start, start + length);
  }

  string(): string {
    const r = this.sub();
    return utf8.decode(this.buf.subarray(r.pos, r.end));
  }

  hex(): string {
    const r = this.sub();
    return Buffer.from(this.buf.buffer, this.buf.byteOffset + r.pos, r.end - r.pos).toString('hex');
  }

  base64(): string {
    const r = this.sub();
    return Buffer.from(this.buf.buffer, this.buf.byteOffset + r.pos, r.end - r.pos).toString('base64');
  }

  skip(wireType: number): void {
    switch (wireType) {
      case 0:
        this.varint();
        return;
      case 1:
        if (this.pos + 8 > this.end) throw new BadOtlp('truncated fixed64');
        this.pos += 8;
        return;
      case 2:
        this.sub();
        return;
      case 5:
        if (this.pos + 4 > this.end) throw new BadOtlp('truncated fixed32');
        this.pos += 4;
        return;
      default:
        throw new BadOtlp(`unsupported wire type ${wireType}`);
    }
  }
}

/** A count kept only when non-zero (absent means 0, as in the JSON reader). */
function nonZero(n: number): number | undefined {
  return n === 0 ? undefined : n;
}

/** Reads the next tag: `[fieldNumber, wireType]`. */
function tag(r: Reader): [number, number] {
  const t = r.varint();
  const field = Math.floor(t / 8);
  if (field === 0) throw new BadOtlp('field number 0');
  return [field, t & 7];
}

/** Throws unless `actual` is the wire type the schema gives the field. */
function expect(actual: number, wanted: number): void {
  if (actual !== wanted) throw new BadOtlp(`wire type ${actual} where ${wanted} was expected`);
}

/** Decodes an OTLP/protobuf `ExportTraceServiceRequest`. */
export function decodeTracesProto(body: Uint8Array): TracesRequest {
  const r = new Reader(body, 0, body.length);
  const resourceSpans: ResourceSpans[] = [];
  while (!r.done) {
    const [f, w] = tag(r);
    if (f === 1) {
      expect(w, 2);
      resourceSpans.push(readResourceSpans(r.sub()));
    } else r.skip(w);
  }
  return { resourceSpans };
}

function readResourceSpans(r: Reader): ResourceSpans {
  const out: ResourceSpans = { resource: { attributes: [] }, scopeSpans: [] };
  while (!r.done) {
    const [f, w] = tag(r);
    if (f === 1) {
      expect(w, 2);
      const res = r.sub();
      while (!res.done) {
        const [rf, rw] = tag(res);
        if (rf === 1) {
          expect(rw, 2);
          out.resource.attributes.push(readKeyValue(res.sub(), 0));
        } else if (rf === 2 && rw === 0) out.resource.droppedAttributesCount = nonZero(res.varint());
        else res.skip(rw);
      }
    } else if (f === 2) {
      expect(w, 2);
      out.scopeSpans.push(readScopeSpans(r.sub()));
    } else if (f === 3 && w === 2) out.schemaUrl = r.string();
    else r.skip(w);
  }
  return out;
}

function readScopeSpans(r: Reader): ScopeSpans {
  const out: ScopeSpans = { scope: { name: '', version: '', attributes: [] }, spans: [] };
  while (!r.done) {
    const [f, w] = tag(r);
    if (f === 1) {
      expect(w, 2);
      out.scope = readScope(r.sub());
    } else if (f === 2) {
      expect(w, 2);
      out.spans.push(readSpan(r.sub()));
    } else if (f === 3 && w === 2) out.schemaUrl = r.string();
    else r.skip(w);
  }
  return out;
}

function readScope(r: Reader): Scope {
  const out: Scope = { name: '', version: '', attributes: [] };
  while (!r.done) {
    const [f, w] = tag(r);
    if (f === 1 && w === 2) out.name = r.string();
    else if (f === 2 && w === 2) out.version = r.string();
    else if (f === 3 && w === 2) out.attributes.push(readKeyValue(r.sub(), 0));
    else if (f === 4 && w === 0) out.droppedAttributesCount = nonZero(r.varint());
    else r.skip(w);
  }
  return out;
}

function readSpan(r: Reader): Span {
  const s = emptySpan();
  while (!r.done) {
    const [f, w] = tag(r);
    switch (f) {
      case 1: expect(w, 2); s.traceId = r.hex(); break;
      case 2: expect(w, 2); s.spanId = r.hex(); break;
      case 3: expect(w, 2); s.traceState = r.string(); break;
      case 4: expect(w, 2); s.parentSpanId = r.hex(); break;
      case 5: expect(w, 2); s.name = r.string(); break;
      case 6: expect(w, 0); s.kind = r.varint(); break;
      case 7: expect(w, 1); s.startTimeUnixNano = r.fixed64String(); break;
      case 8: expect(w, 1); s.endTimeUnixNano = r.fixed64String(); break;
      case 9: expect(w, 2); s.attributes.push(readKeyValue(r.sub(), 0)); break;
      case 10: expect(w, 0); s.droppedAttributesCount = nonZero(r.varint()); break;
      case 11: expect(w, 2); s.events.push(readEvent(r.sub())); break;
      case 12: expect(w, 0); s.droppedEventsCount = nonZero(r.varint()); break;
      case 13: expect(w, 2); s.links.push(readLink(r.sub())); break;
      case 14: expect(w, 0); s.droppedLinksCount = nonZero(r.varint()); break;
      case 15: expect(w, 2); s.status = readStatus(r.sub()); break;
      case 16: expect(w, 5); s.flags = r.fixed32(); break;
      default: r.skip(w);
    }
  }
  return s;
}

function readEvent(r: Reader): SpanEvent {
  const e: SpanEvent = { timeUnixNano: '0', name: '', attributes: [] };
  while (!r.done) {
    const [f, w] = tag(r);
    if (f === 1 && w === 1) e.timeUnixNano = r.fixed64String();
    else if (f === 2 && w === 2) e.name = r.string();
    else if (f === 3 && w === 2) e.attributes.push(readKeyValue(r.sub(), 0));
    else if (f === 4 && w === 0) e.droppedAttributesCount = nonZero(r.varint());
    else r.skip(w);
  }
  return e;
}

function readLink(r: Reader): SpanLink {
  const l: SpanLink = { traceId: '', spanId: '', traceState: '', attributes: [] };
  while (!r.done) {
    const [f, w] = tag(r);
    if (f === 1 && w === 2) l.traceId = r.hex();
    else if (f === 2 && w === 2) l.spanId = r.hex();
    else if (f === 3 && w === 2) l.traceState = r.string();
    else if (f === 4 && w === 2) l.attributes.push(readKeyValue(r.sub(), 0));
    else if (f === 5 && w === 0) l.droppedAttributesCount = nonZero(r.varint());
    else if (f === 6 && w === 5) l.flags = nonZero(r.fixed32());
    else r.skip(w);
  }
  return l;
}

function readStatus(r: Reader): { code: number; message: string } {
  const s = { code: 0, message: '' };
  while (!r.done) {
    const [f, w] = tag(r);
    if (f === 2 && w === 2) s.message = r.string();
    else if (f === 3 && w === 0) s.code = r.varint();
    else r.skip(w);
  }
  return s;
}

function readKeyValue(r: Reader, depth: number): KeyValue {
  const kv: KeyValue = { key: '', value: {} };
  while (!r.done) {
    const [f, w] = tag(r);
    if (f === 1 && w === 2) kv.key = r.string();
    else if (f === 2 && w === 2) kv.value = readAnyValue(r.sub(), depth + 1);
    else r.skip(w);
  }
  return kv;
}

function readAnyValue(r: Reader, depth: number): AnyValue {
  if (depth > MAX_VALUE_DEPTH) throw new BadOtlp(`attribute values nested deeper than ${MAX_VALUE_DEPTH}`);
  let v: AnyValue = {};
  while (!r.done) {
    const [f, w] = tag(r);
    switch (f) {
      case 1: expect(w, 2); v = { stringValue: r.string() }; break;
      case 2: expect(w, 0); v = { boolValue: r.varint() !== 0 }; break;
      case 3: expect(w, 0); v = { intValue: BigInt.asIntN(64, r.bigVarint()).toString() }; break;
      case 4: expect(w, 1); v = { doubleValue: r.double() }; break;
      case 5: {
        expect(w, 2);
        const a = r.sub();
        const values: AnyValue[] = [];
        while (!a.done) {
          const [af, aw] = tag(a);
          if (af === 1 && aw === 2) values.push(readAnyValue(a.sub(), depth + 1));
          else a.skip(aw);
        }
        v = { arrayValue: { values } };
        break;
      }
      case 6: {
        expect(w, 2);
        const a = r.sub();
        const values: KeyValue[] = [];
        while (!a.done) {
          const [af, aw] = tag(a);
          if (af === 1 && aw === 2) values.push(readKeyValue(a.sub(), depth + 1));
          else a.skip(aw);
        }
        v = { kvlistValue: { values } };
        break;
      }
      case 7: expect(w, 2); v = { bytesValue: r.base64() }; break;
      default: r.skip(w);
    }
  }
  return v;
}
