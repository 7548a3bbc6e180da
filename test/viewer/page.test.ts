// The viewer's page in a real browser (Debian's chromium driven by playwright-core), fed by a real
// service (tracelight init() exporting OTLP to the viewer). Screenshots of each view go to
// test-output/viewer/.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { startShop } from './app-process.js';
import type { ShopApp } from './app-process.js';
import { startViewer } from './viewer-process.js';
import type { RunningViewer } from './viewer-process.js';
import type { TracesRequest } from '../../src/viewer/otlp-model.js';

export const SCREENSHOTS = 'test-output/viewer';

/** Debian's chromium (`.ci/run` installs it when missing), or CHROMIUM_PATH. */
function findChromium(): string | undefined {
  if (process.env['CHROMIUM_PATH']) return process.env['CHROMIUM_PATH'];
  for (const name of ['chromium', 'chromium-browser']) {
    try {
      return execFileSync('which', [name], { encoding: 'utf8' }).trim() || undefined;
    } catch {
      // not this one
    }
  }
  return undefined;
}
const executablePath = findChromium();

// Without a browser there is nothing to drive: said in the skip, and .ci/run installs one; in CI
// (CI=true) a missing browser fails the suite instead of skipping it.
describe.skipIf(executablePath === undefined && process.env.CI !== 'true')('the viewer page (chromium: apt-get install chromium)', () => {
  let viewer: RunningViewer;
  let shop: ShopApp;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    viewer = await startViewer();
    shop = await startShop(viewer.url);
    browser = await chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(viewer.url);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await shop?.stop();
    await viewer?.stop();
  });

  const rowsNamed = (name: string) => page.locator('#traces tbody tr', { hasText: name });
  const shot = (name: string) => page.screenshot({ path: `${SCREENSHOTS}/${name}.png` });
  const probe = <T>(fn: string) => page.evaluate(fn) as Promise<T>;
  // The cart traces: 18 spans in the span-count column (not '18' anywhere in the row, which a
  // start time such as 02:18 would also match).
  const cartRows = () => page.locator('#traces tbody tr').filter({ has: page.locator('td:nth-child(4)', { hasText: /^18$/ }) });

  it('shows traces as they arrive, without a reload', async () => {
    await expect(page.locator('#empty')).toBeDefined();
    expect(await page.locator('#empty').isVisible()).toBe(true);
    await shop.get('/cart?inventoryMs=30');
    await rowsNamed('GET').first().waitFor({ timeout: 10_000 });
    await shop.get('/cart?inventoryMs=250');
    await page.waitForFunction("document.querySelectorAll('#traces tbody tr').length === 2", undefined, { timeout: 10_000 });
    // Late spans merge: each cart trace ends up with all its spans (1 server + 1 + 12 + 4).
    await page.waitForFunction("[...document.querySelectorAll('#traces tbody tr td:nth-child(4)')].every((td) => td.textContent === '18')", undefined, { timeout: 10_000 });
    expect(await page.locator('#empty').isVisible()).toBe(false);
    await shot('list');
  });

  it('searches traces by attribute (with suggestions), service and status', async () => {
    await shop.get('/big');
    await page.waitForFunction("document.querySelectorAll('#traces tbody tr').length === 3", undefined, { timeout: 20_000 });
    await page.fill('#filters input[name=attr]', 'cart.');
    await page.waitForFunction("[...document.querySelectorAll('#attr-suggestions option')].some((o) => o.value === 'cart.id')");
    await page.fill('#filters input[name=attr]', 'cart.id=');
    await page.waitForFunction("[...document.querySelectorAll('#attr-suggestions option')].some((o) => o.value === 'cart.id=c-42')");
    await page.fill('#filters input[name=attr]', 'cart.id=c-42');
    await page.waitForFunction("document.querySelectorAll('#traces tbody tr').length === 2");
    await shot('search');
    await page.fill('#filters input[name=attr]', 'job.kind=big');
    await page.waitForFunction("document.querySelectorAll('#traces tbody tr').length === 1");
    await page.fill('#filters input[name=attr]', '');
    await page.selectOption('#filters select[name=status]', 'error');
    await page.waitForFunction("document.querySelectorAll('#traces tbody tr').length === 2");
    await page.selectOption('#filters select[name=status]', '');
    await page.fill('#filters input[name=service]', 'nope');
    await page.waitForFunction("document.querySelectorAll('#traces tbody tr').length === 0");
    await page.fill('#filters input[name=service]', '');
    await page.waitForFunction("document.querySelectorAll('#traces tbody tr').length === 3");
  });

  it('groups the N+1 loop with count, total, p50 and max; filters in the trace; jumps to the error', async () => {
    await cartRows().first().click();
    const group = page.locator('.row.group');
    await group.first().waitFor();
    expect(await group.count()).toBe(1);
    const text = await group.first().innerText();
    expect(text).toContain('N+1');
    expect(text).toMatch(/12× SELECT items/);
    expect(text).toMatch(/total [\d.]+ ms · p50 [\d.]+ ms · max [\d.]+ ms/);
    await shot('n-plus-one');
    // Expanding the group shows its 12 spans.
    await group.first().click();
    expect(await page.locator('.row[data-span]', { hasText: 'SELECT items' }).count()).toBe(12);
    // And folds back into one row.
    await page.locator('.row[data-span] .regroup').first().click();
    expect(await page.locator('.row[data-span]', { hasText: 'SELECT items' }).count()).toBe(0);
    expect(await page.locator('.row.group').count()).toBe(1);
    await page.locator('.row.group').first().click();
    // Search inside the trace.
    await page.fill('#trace-search', 'payment.provider=acme');
    expect(await page.locator('#search-count').innerText()).toBe('1 match');
    await page.fill('#trace-search', '');
    // E jumps to the error and shows its details (attributes, events, resource).
    await page.locator('#waterfall').focus();
    await page.keyboard.press('e');
    const details = await page.locator('#details').innerText();
    expect(details).toContain('charge');
    expect(details).toContain('card declined');
    expect(details).toContain('exception');
    expect(details).toContain('service.name');
    await shot('details');
  });

  it('the critical-path toggle keeps the spans on it: inventory, not the shorter recommendations', async () => {
    await page.check('#critical');
    const names = await page.locator('.row[data-span]').allInnerTexts();
    expect(names.some((n) => n.includes('inventory'))).toBe(true);
    expect(names.some((n) => n.includes('price'))).toBe(true);
    expect(names.some((n) => n.includes('recommendations'))).toBe(false);
    expect(await page.locator('.row.critical').count()).toBe(names.length);
    await shot('critical-path');
    await page.uncheck('#critical');
  });

  it('diffs the two cart traces span by span: inventory slower by what the spans say', async () => {
    await page.goto(viewer.url + '#/');
    await page.waitForFunction("document.querySelectorAll('#traces tbody tr').length === 3");
    const carts = cartRows();
    await carts.nth(0).locator('input.pick').check();
    await carts.nth(1).locator('input.pick').check();
    await page.click('#diff-button');
    const row = page.locator('#diff tbody tr', { hasText: 'inventory' });
    await row.waitFor();
    expect(await row.getAttribute('class')).toBe('slower');
    const change = await row.locator('td').nth(3).innerText();
    const ms = Number(/\+([\d.]+) ms/.exec(change)?.[1]);
    // What the viewer holds: the inventory span of each cart trace (30 ms, then 250 ms asked).
    const inventory = (await (await fetch(viewer.url + 'v1/traces')).json() as TracesRequest).resourceSpans
      .flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans))
      .filter((s) => s.name === 'inventory')
      .map((s) => ({ start: Number(s.startTimeUnixNano), ms: (Number(s.endTimeUnixNano) - Number(s.startTimeUnixNano)) / 1e6 }))
      .sort((a, b) => a.start - b.start);
    expect(inventory).toHaveLength(2);
    const expected = inventory[1]!.ms - inventory[0]!.ms;
    expect(expected).toBeGreaterThan(0);
    expect(Math.abs(ms - expected)).toBeLessThanOrEqual(Math.max(0.6, expected * 0.01));
    expect(await page.locator('#diff tbody tr', { hasText: 'SELECT items' }).count()).toBe(12);
    await shot('diff');
  });

  it('opens the 10,002-span trace in under 500 ms and collapses or expands in under 100 ms, rendering only visible rows', async () => {
    await page.goto(viewer.url + '#/');
    // The server span, 'big job', 100 batches of 99 steps.
    await page.waitForFunction("[...document.querySelectorAll('#traces tbody tr td:nth-child(4)')].some((td) => td.textContent === '10002')", undefined, { timeout: 20_000 });
    const big = page.locator('#traces tbody tr', { has: page.locator('td:nth-child(4)', { hasText: /^10002$/ }) });
    // Opened five times, from the list; the best of five, as the machine is shared (CI runs
    // other suites beside this one).
    const opens: number[] = [];
    const phases: Array<{ fetchMs: number; buildMs: number }> = [];
    for (let i = 0; i < 5; i++) {
      if (i > 0) {
        await page.goto(viewer.url + '#/');
        await big.first().waitFor();
      }
      const before = await probe<number>('window.__tracelight.openMs.length');
      await big.first().click();
      await page.waitForFunction(`window.__tracelight.openMs.length > ${before}`);
      opens.push(await probe<number>('window.__tracelight.openMs.at(-1)'));
      phases.push(await probe<{ fetchMs: number; buildMs: number }>('window.__tracelight.phases'));
    }
    const openMs = Math.min(...opens);
    expect(openMs).toBeLessThan(500);
    expect(await page.locator('.row').count()).toBeLessThan(120);
    await shot('big-trace');
    // Collapse the root, then expand it again.
    await page.locator('.row[data-span] .caret').first().click();
    expect(await page.locator('.row').count()).toBe(1);
    await page.locator('.row[data-span] .caret').first().click();
    const toggles = await probe<number[]>('window.__tracelight.toggleMs.slice(-2)');
    for (const ms of toggles) expect(ms).toBeLessThan(100);
    // Scrolling to the end renders the last rows, still only a window of them.
    await page.evaluate("const w = document.querySelector('#waterfall'); w.scrollTop = w.scrollHeight");
    await page.waitForFunction("[...document.querySelectorAll('.row')].some((r) => r.textContent.includes('step') && r.getAttribute('data-i') === '10001')");
    expect(await page.locator('.row').count()).toBeLessThan(120);
    await shot('big-trace-end');
    process.stdout.write(`viewer page: 10,002-span trace opened in ${opens.map((o) => o.toFixed(0)).join(', ')} ms (fetch ${phases.map((p) => p.fetchMs.toFixed(0)).join(', ')}; build ${phases.map((p) => p.buildMs.toFixed(0)).join(', ')}); toggles ${toggles.map((t) => t.toFixed(1)).join(', ')} ms\n`);
  });

  it('says how many traces were evicted, and Clear empties the list', async () => {
    const small = await startViewer(['--max-mb', '0.05']);
    try {
      const other = await browser.newPage({ viewport: { width: 1400, height: 600 } });
      await other.goto(small.url);
      for (let t = 1; t <= 60; t++) {
        const body = { resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: t.toString(16).padStart(32, '0'), spanId: '1'.padStart(16, '0'), name: `job ${t} `.padEnd(200, '.'), startTimeUnixNano: '1700000000000000000', endTimeUnixNano: '1700000000005000000' }] }] }] };
        await fetch(small.url + 'v1/traces', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
      }
      const stats = (await (await fetch(small.url + 'api/stats')).json()) as { evictedTraces: number };
      expect(stats.evictedTraces).toBeGreaterThan(0);
      await other.locator('#evicted', { hasText: `${stats.evictedTraces} older traces evicted` }).waitFor({ timeout: 10_000 });
      await other.screenshot({ path: `${SCREENSHOTS}/evicted-banner.png` });
      await other.click('#clear');
      await other.waitForFunction("document.querySelectorAll('#traces tbody tr').length === 0");
      expect(await other.locator('#evicted').isVisible()).toBe(false);
      expect(((await (await fetch(small.url + 'api/stats')).json()) as { traces: number }).traces).toBe(0);
      expect(existsSync(`${SCREENSHOTS}/list.png`)).toBe(true);
      await other.close();
    } finally {
      await small.stop();
    }
  });
});
