/**
 * The fenced code blocks of README.md, for the tests that type-check and run them. A block's
 * language is the word after its opening fence; a block opened by a line `// name.ext` is written
 * to that file name (e.g. `// webpack.config.cjs`), so its module kind is what the README says.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const README = fileURLToPath(new URL('../../README.md', import.meta.url));

/** One fenced block of the README. */
export interface ReadmeBlock {
  /** The word after the fence (`ts`, `sh`, `text`, ...); `''` when there is none. */
  lang: string;
  /** The code, with the fence's indentation removed. */
  code: string;
  /** 1-based line of the README where the code starts (the line after the fence). */
  line: number;
  /** The `## ` heading the block is under. */
  section: string;
}

/** Every fenced block, in order; an unterminated fence throws (a broken README). */
export function readmeBlocks(text = readFileSync(README, 'utf8')): ReadmeBlock[] {
  const lines = text.split('\n');
  const blocks: ReadmeBlock[] = [];
  let section = '';
  for (let i = 0; i < lines.length; i++) {
    const heading = /^## (.*)$/.exec(lines[i]!);
    if (heading) section = heading[1]!.trim();
    const open = /^(\s*)```(\S*)\s*$/.exec(lines[i]!);
    if (!open) continue;
    const indent = open[1]!;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length && lines[j]!.trim() !== '```'; j++) body.push(lines[j]!.startsWith(indent) ? lines[j]!.slice(indent.length) : lines[j]!);
    if (j >= lines.length) throw new Error(`README.md:${i + 1}: code fence never closed`);
    blocks.push({ lang: open[2]!, code: body.join('\n') + '\n', line: i + 2, section });
    i = j;
  }
  return blocks;
}

/** Languages that are type-checked (and so must compile as written). */
export const CHECKED_LANGS = ['ts', 'js'];

/** The file name a checked block is written to: its `// name.ext` first line, else one by index. */
export function blockFileName(block: ReadmeBlock, index: number): string {
  const named = /^\/\/ ([\w.-]+\.(?:ts|mts|cts|js|mjs|cjs))\s*$/.exec(block.code.split('\n')[0]!);
  if (named) return named[1]!;
  return `block-${String(index).padStart(2, '0')}-line-${block.line}.${block.lang === 'ts' ? 'ts' : 'mjs'}`;
}
