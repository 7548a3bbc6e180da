/**
 * What the console waterfall needs to know about where it writes.
 * @internal
 */

/** The parts of a stream (`process.stdout`) the waterfall looks at. */
export interface TerminalLike {
  isTTY?: boolean;
  columns?: number;
}

/** Width used when the output is not a terminal (a pipe, a file, a CI log). */
export const DEFAULT_WIDTH = 80;

/**
 * Whether to colour output, following https://no-color.org: `NO_COLOR` set to any non-empty
 * value turns colour off; otherwise colour only on a terminal, and not on a `TERM=dumb` one.
 */
export function supportsColor(stream: TerminalLike, env: Readonly<Record<string, string | undefined>>): boolean {
  const noColor = env['NO_COLOR'];
  if (noColor !== undefined && noColor !== '') return false;
  if (env['TERM'] === 'dumb') return false;
  return stream.isTTY === true;
}

/** Columns of the terminal, or {@link DEFAULT_WIDTH} when the stream is not one. */
export function terminalWidth(stream: TerminalLike): number {
  const columns = stream.columns;
  if (stream.isTTY === true && typeof columns === 'number' && Number.isFinite(columns) && columns > 0) {
    return Math.floor(columns);
  }
  return DEFAULT_WIDTH;
}
