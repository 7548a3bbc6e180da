import { describe, expect, test } from 'vitest';
import { normalizeMethod, spanName } from '../../src/instrumentations/http/method.js';
import { resolveHttpOptions } from '../../src/instrumentations/http/options.js';
import { parseHostPort, parseOrigin, redactQuery, redactUrl, splitTarget } from '../../src/instrumentations/http/url.js';

const S = resolveHttpOptions({}).sensitiveQueryParams;

describe('splitTarget', () => {
  test.each([
    ['/', '/', undefined],
    ['/a/b', '/a/b', undefined],
    ['/a?x=1', '/a', 'x=1'],
    ['/a?', '/a', ''],
    ['/a#frag', '/a', undefined],
    ['/a?x=1#frag', '/a', 'x=1'],
    ['http://user:pw@host:8080/p?q=1', '/p', 'q=1'],
    ['http://host', '/', undefined],
    ['http://host?q=1', '/', 'q=1'],
    ['*', '*', undefined],
  ])('%s', (target, path, query) => {
    expect(splitTarget(target)).toEqual({ path, query });
  });
});

describe('redactQuery / redactUrl', () => {
  test.each([
    ['x=1', 'x=1'],
    ['token=a', 'token=REDACTED'],
    ['a=1&token=2&b=3&Signature=4', 'a=1&token=REDACTED&b=3&Signature=REDACTED'],
    ['TOKEN=1&%74oken=2&access_token=3', 'TOKEN=REDACTED&%74oken=REDACTED&access_token=REDACTED'],
    ['token', 'token'],
    ['a&&token=1&', 'a&&token=REDACTED&'],
    ['X-Amz-Signature=abc&X-Amz-Credential=def', 'X-Amz-Signature=REDACTED&X-Amz-Credential=REDACTED'],
  ])('%s', (query, expected) => {
    expect(redactQuery(query, S)).toBe(expected);
  });

  test('the same string comes back when nothing is sensitive', () => {
    const q = 'page=2&sort=asc';
    expect(redactQuery(q, S)).toBe(q);
  });

  test.each([
    ['https://user:pass@example.com/p?token=1&x=2#f', 'https://REDACTED:REDACTED@example.com/p?token=REDACTED&x=2'],
    ['https://example.com/cb#access_token=abc&state=1', 'https://example.com/cb'],
    ['https://user@example.com/', 'https://REDACTED:REDACTED@example.com/'],
    ['http://example.com/a@b?code=9', 'http://example.com/a@b?code=REDACTED'],
    ['http://example.com/plain', 'http://example.com/plain'],
  ])('%s', (url, expected) => {
    expect(redactUrl(url, S)).toBe(expected);
  });

  test('a custom list replaces the default list; secret-naming names stay redacted', () => {
    const { sensitiveQueryParams } = resolveHttpOptions({ sensitiveQueryParams: ['Session', 'x-State'] });
    expect(redactQuery('session=1&token=2&code=3&X_STATE=4', sensitiveQueryParams)).toBe('session=REDACTED&token=REDACTED&code=3&X_STATE=REDACTED');
  });
});

describe('hosts and methods', () => {
  test.each([
    ['example.com', 'example.com', undefined],
    ['example.com:8080', 'example.com', 8080],
    ['[::1]:3000', '[::1]', 3000],
    ['[::1]', '[::1]', undefined],
    ['::1', '::1', undefined],
    ['h:notaport', 'h', undefined],
  ])('parseHostPort(%s)', (authority, hostname, port) => {
    expect(parseHostPort(authority)).toEqual({ hostname, port });
  });

  test('parseOrigin', () => {
    expect(parseOrigin('https://a.example')).toEqual({ scheme: 'https', hostname: 'a.example', port: 443 });
    expect(parseOrigin('http://127.0.0.1:9')).toEqual({ scheme: 'http', hostname: '127.0.0.1', port: 9 });
  });

  test('methods: known kept, others _OTHER (case-sensitive), span names', () => {
    expect(normalizeMethod('GET')).toBe('GET');
    expect(normalizeMethod('get')).toBe('_OTHER');
    expect(normalizeMethod('PROPFIND')).toBe('_OTHER');
    expect(spanName('_OTHER')).toBe('HTTP');
    expect(spanName('GET', '/users/:id')).toBe('GET /users/:id');
  });
});

describe('resolveHttpOptions', () => {
  test('header lists are lower-cased, de-duplicated, and never hold credentials', () => {
    const r = resolveHttpOptions({ requestHeaders: ['X-Id', 'x-id', 'Authorization', 'Cookie', 'Proxy-Authorization'], responseHeaders: ['Set-Cookie'] });
    expect(r.requestHeaders).toEqual([['x-id', 'http.request.header.x-id']]);
    expect(r.responseHeaders).toBeUndefined();
  });

  test('matchers', () => {
    const r = resolveHttpOptions({
      ignoreIncoming: ['/healthz', /^\/metrics/g],
      ignoreOutgoing: ['http://collector:4318/'],
      propagateTo: ['api.example.com', '.internal.example'],
    });
    const req = {} as never;
    expect(r.ignoreIncoming!('/healthz', req)).toBe(true);
    expect(r.ignoreIncoming!('/metrics/x', req)).toBe(true);
    expect(r.ignoreIncoming!('/metrics/x', req)).toBe(true); // global RegExp state reset
    expect(r.ignoreIncoming!('/healthz/x', req)).toBe(false);
    expect(r.ignoreOutgoing!('http://collector:4318/v1/traces', 'POST')).toBe(true);
    expect(r.ignoreOutgoing!('http://collector:4319/', 'POST')).toBe(false);
    expect(r.propagateTo!('https://api.example.com/x', 'api.example.com')).toBe(true);
    expect(r.propagateTo!('https://a.internal.example/x', 'a.internal.example')).toBe(true);
    expect(r.propagateTo!('https://evil.example/x', 'evil.example')).toBe(false);
    expect(resolveHttpOptions({ propagateTo: [] }).propagateTo!('http://a/', 'a')).toBe(false);
    expect(resolveHttpOptions({}).propagateTo).toBeUndefined();
  });

  test('bad values are ignored with a safe default, never thrown', () => {
    expect(() => resolveHttpOptions({ ignoreIncoming: 'nope' as never, requestHeaders: 5 as never, clientRequestHook: 1 as never })).not.toThrow();
    expect(() => resolveHttpOptions(null)).not.toThrow();
  });
});

describe('hostile queries', () => {
  test('names past the 128th are not judged: their values are redacted', () => {
    const query = Array.from({ length: 130 }, (_, i) => `p${i}=v`).join('&');
    const out = redactQuery(query, S).split('&');
    expect(out[127]).toBe('p127=v');
    expect(out[128]).toBe('p128=REDACTED');
    expect(out[129]).toBe('p129=REDACTED');
  });

  test('parameters without a value and bad escapes', () => {
    expect(redactQuery('a&'.repeat(500) + 'token=1', S)).toBe('a&'.repeat(500) + 'token=REDACTED');
    expect(redactQuery('a&b=1&c&token=2&d', S)).toBe('a&b=1&c&token=REDACTED&d');
    expect(redactQuery('%ZZ=1&%74oken=2&tok%ZZen=3', S)).toBe('%ZZ=1&%74oken=REDACTED&tok%ZZen=3');
  });
});
