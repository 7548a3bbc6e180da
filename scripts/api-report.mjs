#!/usr/bin/env node
// The public API report: API Extractor reads the built declarations of every entry in
// package.json `exports` and writes `api/<entry>.api.md`. `--check` fails when a declaration
// changed and its report was not updated (run `npm run api` to update it, then review the diff).
import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Extractor, ExtractorConfig } from '@microsoft/api-extractor';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const check = args.includes('--check');
/** `--reports <dir>`: compare with (or write) the reports in another folder; `--only <entry>`. */
const option = (name) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const pkg = createRequire(import.meta.url)(join(root, 'package.json'));
const reportFolder = option('--reports') ?? join(root, 'api');
const tempFolder = join(root, 'node_modules', '.cache', 'api-extractor');
mkdirSync(tempFolder, { recursive: true });
mkdirSync(reportFolder, { recursive: true });

let failed = false;
for (const [subpath, target] of Object.entries(pkg.exports)) {
  if (typeof target !== 'object') continue; // ./package.json
  const entry = subpath === '.' ? 'index' : subpath.slice(2);
  if (option('--only') !== undefined && option('--only') !== entry) continue;
  const types = join(root, target.import.types);
  if (!existsSync(types)) {
    console.error(`api-report: ${target.import.types} is missing; run \`npm run build\` first.`);
    process.exit(2);
  }
  const config = ExtractorConfig.prepare({
    configObjectFullPath: join(reportFolder, `${entry}.json`),
    packageJsonFullPath: join(root, 'package.json'),
    configObject: {
      projectFolder: root,
      mainEntryPointFilePath: types,
      // Only the built declarations: never what else lies in the folder (.ci/gen3/run parks the 2.x
      // node_modules beside it while the 3.x one is in place).
      compiler: { overrideTsconfig: { compilerOptions: { types: ['node'], skipLibCheck: true }, include: ['dist/*.d.ts'] } },
      apiReport: { enabled: true, reportFileName: `${entry}.api.md`, reportFolder, reportTempFolder: tempFolder },
      docModel: { enabled: false },
      dtsRollup: { enabled: false },
      tsdocMetadata: { enabled: false },
      messages: {
        // Every export is public (no release tags to require); anything else API Extractor notices
        // (an undocumented member, a type used but not exported, a broken {@link}) fails.
        extractorMessageReporting: { 'ae-missing-release-tag': { logLevel: 'none' }, default: { logLevel: 'error' } },
        compilerMessageReporting: { default: { logLevel: 'warning' } },
        tsdocMessageReporting: { default: { logLevel: 'none' } },
      },
    },
  });
  const result = Extractor.invoke(config, { localBuild: !check, showVerboseMessages: false, messageCallback: (m) => {
    // A changed report is our own verdict below; everything else is printed as it comes.
    if (/^console-(api-report-changed|api-report-copied|compiler-version-notice)$/.test(m.messageId)) m.handled = true;
  } });
  if (check && result.apiReportChanged) {
    failed = true;
    console.error(`api-report: the public API of ${subpath === '.' ? 'tracelight' : 'tracelight/' + entry} changed; run \`npm run api\` and commit api/${entry}.api.md.`);
  } else if (result.errorCount > 0) {
    failed = true;
    console.error(`api-report: ${result.errorCount} problems in ${target.import.types} (above); fix them in the TSDoc of src/.`);
  } else {
    console.log(`api-report: ${entry} ${check ? 'unchanged' : 'written'}`);
  }
}
process.exit(failed ? 1 : 0);
