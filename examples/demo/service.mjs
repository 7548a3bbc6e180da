// Plumbing shared by the demo's processes (not tracing code): tell the demo (run.mjs) that this
// process is ready, stop cleanly when it asks, and never outlive it.

// If the demo goes away (its IPC channel closes, even while this process is still starting),
// this process exits at once.
process.on('disconnect', () => process.exit(0));
// Ctrl-C in a terminal reaches every process of its group: the demo stops this one itself (in
// order, so spans still reach the receiver), so the signal alone does not end it.
process.on('SIGINT', () => {});

/** Sends `info` to the demo once this process is ready (its port, say). */
export function ready(info = {}) {
  process.send?.({ ready: true, ...info });
}

/** Sends an event to the demo (the worker reports each order it handled). */
export function report(event) {
  process.send?.(event);
}

/**
 * On the demo's `stop`: runs `stop()` (close servers and connections, flush spans), sends what it
 * returns (tracing's counters) to the demo, then exits.
 */
export function onStop(stop) {
  process.on('message', async (message) => {
    if (message?.stop !== true) return;
    let stopped;
    try {
      stopped = await stop();
    } finally {
      if (stopped !== undefined && process.connected) process.send({ stopped }, () => process.exit(0));
      else process.exit(0);
    }
  });
}

/** The body of a request as text. */
export async function readBody(req) {
  let text = '';
  req.setEncoding('utf8');
  for await (const chunk of req) text += chunk;
  return text;
}
