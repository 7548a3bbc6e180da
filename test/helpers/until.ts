/**
 * Resolves with the first value `get()` returns other than `undefined`, polling every 10 ms;
 * rejects naming `what` after `ms`. For results that arrive through a real broker or socket.
 */
export function until<T>(get: () => T | undefined, what: string, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  return new Promise((resolve, reject) => {
    const tick = () => {
      const v = get();
      if (v !== undefined) return resolve(v);
      if (Date.now() > end) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(tick, 10);
    };
    tick();
  });
}
