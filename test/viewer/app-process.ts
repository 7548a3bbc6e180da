/** Starts test/viewer/fixtures/shop-app.mjs, a service exporting OTLP to a viewer. */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { cleanEnv } from '../helpers/child.js';

export interface ShopApp {
  url: string;
  get(path: string): Promise<void>;
  stop(): Promise<void>;
}

export function startShop(viewerUrl: string): Promise<ShopApp> {
  const script = fileURLToPath(new URL('./fixtures/shop-app.mjs', import.meta.url));
  const child = spawn(process.execPath, [script], { env: cleanEnv({ VIEWER_URL: viewerUrl }), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`shop app exited (${code}): ${err}`)));
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /listening (\d+)/.exec(out);
      if (!m) return;
      const url = `http://127.0.0.1:${m[1]}`;
      resolve({
        url,
        async get(path) {
          const res = await fetch(url + path);
          await res.text();
        },
        async stop() {
          if (child.exitCode === null) child.kill('SIGTERM');
          await exited;
        },
      });
    });
  });
}
