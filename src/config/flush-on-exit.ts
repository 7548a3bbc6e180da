/** How long a signal may wait for the last spans before the process goes down as it would have. */
const SIGNAL_FLUSH_LIMIT_MS = 5000;
const SIGNALS = ['SIGTERM', 'SIGINT'] as const;

/**
 * Flushes pending spans when the process is about to end, without changing how it ends:
 * - `beforeExit`: flush if spans are pending (the export keeps the loop alive only as long as it
 *   takes; the next `beforeExit` finds nothing pending and the process exits with its own code);
 * - SIGTERM/SIGINT: flush, then, if no other listener handles the signal, remove ours and raise
 *   the signal again so the default action (and the exit status) is what it would have been.
 *   With other listeners present the application owns the exit; we only flush.
 * Returns a function that removes the hooks.
 */
export function installFlushOnExit(flush: () => Promise<void>, hasPending: () => boolean): () => void {
  let flushing = false;
  const onBeforeExit = (): void => {
    if (flushing || !hasPending()) return;
    flushing = true;
    flush()
      .catch(() => undefined)
      .finally(() => {
        flushing = false;
      });
  };
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    const ownsExit = process.listenerCount(signal) === 1;
    if (!ownsExit) {
      void flush().catch(() => undefined);
      return;
    }
    if (stopping) {
      // A second signal while flushing: stop waiting.
      remove();
      process.kill(process.pid, signal);
      return;
    }
    stopping = true;
    let raised = false;
    const raise = (): void => {
      if (raised) return;
      raised = true;
      clearTimeout(limit);
      remove();
      process.kill(process.pid, signal);
    };
    // Ref'ed on purpose: the process is going down; this bounds how long the flush may delay it.
    const limit = setTimeout(raise, SIGNAL_FLUSH_LIMIT_MS);
    flush().then(raise, raise);
  };
  process.on('beforeExit', onBeforeExit);
  for (const s of SIGNALS) process.on(s, onSignal);
  function remove(): void {
    process.removeListener('beforeExit', onBeforeExit);
    for (const s of SIGNALS) process.removeListener(s, onSignal);
  }
  return remove;
}
