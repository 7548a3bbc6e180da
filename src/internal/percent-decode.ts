/**
 * Percent-decoding that never throws: the escapes are checked before anything is decoded, so a
 * header or URL full of bad escapes costs a scan, not an exception per item.
 * @internal
 */
import { Buffer, isUtf8 } from 'node:buffer';

/** Value of the hex digit (either case) at `s[i]`, or -1. */
function hexAt(s: string, i: number): number {
  const c = s.charCodeAt(i);
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const lower = c | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x57 : -1;
}

/**
 * Percent-decodes `s[from, to)` as UTF-8, like `decodeURIComponent`, but returns `undefined`
 * instead of throwing for a malformed escape or bytes that are not UTF-8. Characters other than
 * escapes are kept as they are. Allocates only the result when the escapes are ASCII.
 * @internal
 */
export function percentDecode(s: string, from = 0, to = s.length): string | undefined {
  let high = false;
  let any = false;
  for (let i = from; i < to; i++) {
    if (s.charCodeAt(i) !== 0x25 /* % */) continue;
    if (i + 2 >= to) return undefined;
    const hi = hexAt(s, i + 1);
    if (hi < 0 || hexAt(s, i + 2) < 0) return undefined;
    if (hi >= 8) high = true;
    any = true;
    i += 2;
  }
  const raw = from === 0 && to === s.length ? s : s.slice(from, to);
  if (!any) return raw;
  // Only ASCII escapes, all well formed: decodeURIComponent cannot throw.
  if (!high) return decodeURIComponent(raw);
  // Non-ASCII escapes: decode to bytes and check UTF-8 ourselves. Unescaped non-ASCII characters
  // are written as their UTF-8 bytes, so they survive the round trip.
  const parts: Buffer[] = [];
  let last = 0;
  for (let i = 0; i < raw.length; i++) {
    if (raw.charCodeAt(i) !== 0x25) continue;
    if (i > last) parts.push(Buffer.from(raw.slice(last, i), 'utf8'));
    parts.push(Buffer.of((hexAt(raw, i + 1) << 4) | hexAt(raw, i + 2)));
    i += 2;
    last = i + 1;
  }
  if (last < raw.length) parts.push(Buffer.from(raw.slice(last), 'utf8'));
  const bytes = Buffer.concat(parts);
  return isUtf8(bytes) ? bytes.toString('utf8') : undefined;
}
