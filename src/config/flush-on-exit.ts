/** How long a signal may wait for the last spans before the process goes down as it would have. */
const SIGNAL_FLUSH_LIMIT_MS = 5000;
/**
 * How long `beforeExit` may keep a finished program alive for its last spans. A collector that
 * answers at all answers well within it; one that hangs costs the program this much, once.
 */
const BEFORE_EXIT_FLUSH_LIMIT_MS = 2000;
const SIGNALS = ['SIGTERM', 'SIGINT'] as const;
/** A signal's flush that takes longer than this is said on stderr (a healthy collector answers sooner). */
const SLOW_FLUSH_NOTICE_MS = 250;

/**
 * Flushes pending spans when the process is about to end, without changing how it ends.
 * `flush(deadline)` exports what is pending without retries, by `deadline`, and resolves `true`
 * when nothing is left (it keeps the process alive while it runs; nothing else of ours does).
 * - `beforeExit`: flush if spans are pending, for at most 2 s; the next `beforeExit` finds
 *   nothing pending and the process exits with its own code. After a flush that could not
 *   deliver everything (collector down or hanging), later `beforeExit`s do not try again, so
 *   the program is delayed once, not once per batch.
 * - SIGTERM/SIGINT: flush for at most 5 s, then, if no other listener handles the signal, remove
 *   ours and raise the signal again so the default action (and the exit status) is what it
 *   would have been. With other listeners present the application owns the exit; we only flush.
 * Returns a function that removes the hooks.
 */
export function installFlushOnExit(
  flush: (deadline: number) => Promise<boolean>,
  pending: () => number,
  notice: (line: string) => void = () => undefined,
): () => void {
  const hasPending = (): boolean => pending() > 0;
  let flushing = false;
  let gaveUp = false;
  const onBeforeExit = (): void => {
    if (flushing || gaveUp || !hasPending()) return;
    flushing = true;
    flush(Date.now() + BEFORE_EXIT_FLUSH_LIMIT_MS)
      .then(
        (complete) => {
          if (!complete) gaveUp = true;
        },
        () => {
          gaveUp = true;
        },
      )
      .finally(() => {
        flushing = false;
      });
  };
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    const ownsExit = process.listenerCount(signal) === 1;
    if (!ownsExit) {
      void flush(Date.now() + SIGNAL_FLUSH_LIMIT_MS).catch(() => undefined);
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
    // A flush that is not done at once (collector slow or down) is said, with the way out.
    const waiting = pending();
    const slow = setTimeout(() => {
      if (raised) return;
      const again = signal === 'SIGINT' ? 'Ctrl-C' : signal;
      notice(`flushing ${waiting} span${waiting === 1 ? '' : 's'} before exit (at most ${SIGNAL_FLUSH_LIMIT_MS / 1000} s; ${again} again to quit)`);
    }, SLOW_FLUSH_NOTICE_MS);
    slow.unref();
    flush(Date.now() + SIGNAL_FLUSH_LIMIT_MS).then(raise, raise);
  };
  process.on('beforeExit', onBeforeExit);
  for (const s of SIGNALS) process.on(s, onSignal);
  function remove(): void {
    process.removeListener('beforeExit', onBeforeExit);
    for (const s of SIGNALS) process.removeListener(s, onSignal);
  }
  return remove;
}
