/**
 * Tail sampling and the end of a process (child process, real OTLP receiver): held fragments are
 * decided by the flush at exit, and the decision timer never keeps the process alive.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { OtlpReceiver } from '../exporters/otlp-receiver.js';
import { runNode } from '../helpers/child.js';

let receiver: OtlpReceiver | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

describe('tail sampling at exit', () => {
  it('a script that falls off its end with a fragment held exits at once, and the flush at exit exports what was kept', async () => {
    receiver = await OtlpReceiver.start();
    const started = Date.now();
    const r = await runNode('tail-exit-app.mjs', [], { env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url }, timeoutMs: 20_000 });
    const took = Date.now() - started;
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    // Before exit: the failing child held, the fast ok fragment dropped.
    expect(JSON.parse(r.stdout.trim())).toMatchObject({ tailKept: 0, tailDropped: 1, tailSpansHeld: 1 });
    const spans = receiver.spans();
    expect(spans.map((s) => s.name)).toEqual(['failing child']);
    expect(spans[0]!.status.code).toBe(2);
    // Far below the 30 s decision timeout: the timer did not hold the process.
    expect(took).toBeLessThan(15_000);
  });
});
