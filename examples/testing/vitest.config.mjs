// vitest settings of the example test alone (the repository's own suite is under test/).
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: { root: fileURLToPath(new URL('.', import.meta.url)), include: ['checkout.test.mjs'] },
});
