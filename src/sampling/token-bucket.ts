/**
 * A token bucket: `ratePerSecond` tokens a second, holding at most one second's worth (at least
 * one token), full at the start. The clock is injectable for tests.
 * @module
 */

/** Milliseconds from a monotonic source. */
export type MillisClock = () => number;

const monotonic: MillisClock = () => performance.now();

/** Admits at most `ratePerSecond` takes a second on average, bursts up to the bucket's size. */
export class TokenBucket {
  /** Tokens the bucket holds when full. */
  readonly capacity: number;
  private readonly _perMs: number;
  private readonly _clock: MillisClock;
  private _tokens: number;
  private _last: number;

  /**
   * @param ratePerSecond finite and >= 0 (checked by the caller); 0 admits nothing.
   * @param clock milliseconds, monotonic; `performance.now` by default.
   */
  constructor(ratePerSecond: number, clock: MillisClock = monotonic) {
    this.capacity = ratePerSecond === 0 ? 0 : Math.max(1, ratePerSecond);
    this._perMs = ratePerSecond / 1000;
    this._clock = clock;
    this._tokens = this.capacity;
    this._last = clock();
  }

  /** Takes a token if there is one. A clock that goes back adds nothing, and refilling resumes from there. */
  take(): boolean {
    const now = this._clock();
    const elapsed = now - this._last;
    if (elapsed > 0) {
      const tokens = this._tokens + elapsed * this._perMs;
      this._tokens = tokens < this.capacity ? tokens : this.capacity;
      this._last = now;
    } else if (elapsed < 0) this._last = now;
    if (this._tokens >= 1) {
      this._tokens -= 1;
      return true;
    }
    return false;
  }
}
