/**
 * `--db FILE`: keeps every received request in a SQLite file with Node's built-in `node:sqlite`
 * (Node 22.13+ and 24+ without a flag; 22.5–22.12 with `--experimental-sqlite`; not Node 20),
 * one run per viewer start, so traces of earlier runs are there to compare after a restart.
 */
import type { TracesRequest } from './otlp-model.js';

interface Statement {
  run(...params: unknown[]): unknown;
  all(...params: unknown[]): Array<Record<string, unknown>>;
  get(...params: unknown[]): Record<string, unknown> | undefined;
}
interface Database {
  exec(sql: string): void;
  prepare(sql: string): Statement;
  close(): void;
}

/** The open file: the current run's number, what earlier runs held, and how to add to it. */
export interface Persistence {
  run: number;
  /** Every stored request, oldest first, with its run. */
  load(): Iterable<{ run: number; request: TracesRequest }>;
  save(request: TracesRequest, run: number): void;
  clear(): void;
  close(): void;
}

/** Thrown when this Node has no `node:sqlite`. */
export class NoSqlite extends Error {}

/** Opens (or creates) the file and starts a new run in it. */
export async function openPersistence(file: string): Promise<Persistence> {
  let mod: { DatabaseSync: new (path: string) => Database };
  try {
    const name = 'node:sqlite';
    mod = (await import(name)) as typeof mod;
  } catch {
    throw new NoSqlite(
      `--db needs Node's built-in SQLite (node:sqlite): Node 22.13 or later, or 24; Node 22.5 to 22.12 with --experimental-sqlite. This is Node ${process.versions.node}.`,
    );
  }
  const db = new mod.DatabaseSync(file);
  db.exec(`CREATE TABLE IF NOT EXISTS runs (id INTEGER PRIMARY KEY, started TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS requests (id INTEGER PRIMARY KEY, run INTEGER NOT NULL, body TEXT NOT NULL);`);
  db.prepare('INSERT INTO runs (started) VALUES (?)').run(new Date().toISOString());
  const run = Number(db.prepare('SELECT max(id) AS id FROM runs').get()?.['id'] ?? 1);
  const insert = db.prepare('INSERT INTO requests (run, body) VALUES (?, ?)');
  return {
    run,
    *load() {
      for (const row of db.prepare('SELECT run, body FROM requests ORDER BY id').all()) {
        yield { run: Number(row['run']), request: JSON.parse(String(row['body'])) as TracesRequest };
      }
    },
    save(request, r) {
      insert.run(r, JSON.stringify(request));
    },
    clear() {
      db.exec('DELETE FROM requests');
    },
    close() {
      db.close();
    },
  };
}
