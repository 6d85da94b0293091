#!/usr/bin/env node
// Runs jest, then prints one plain closing line that CI reads:
//   tests: N passed, N failed, N skipped
// In CI (CI=true) a skipped test or a run that executed nothing is a failure.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const os = require('node:os');

const resultsFile = path.join(__dirname, '..', '.jest-results.json');
fs.rmSync(resultsFile, { force: true });
// Everything the tests write to the temporary directory (databases, content folders, Redis
// and Sentinel files, browser profiles) goes under one folder of this run, removed after it,
// whatever the tests left behind.
const runTmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-run-'));
// Others may pass through it (PgBouncer runs as the postgres user), not list it.
fs.chmodSync(runTmp, 0o711);
const jest = spawnSync(
  process.execPath,
  [require.resolve('jest/bin/jest'), '--json', `--outputFile=${resultsFile}`, ...process.argv.slice(2)],
  { stdio: 'inherit', env: { ...process.env, TMPDIR: runTmp } },
);
fs.rmSync(runTmp, { recursive: true, force: true });

let results;
try {
  results = JSON.parse(fs.readFileSync(resultsFile, 'utf8'));
} catch {
  console.log('tests: 0 passed, 1 failed (jest wrote no results)');
  process.exit(jest.status || 1);
}
const passed = results.numPassedTests;
const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
const skipped = results.numPendingTests + results.numTodoTests;
let status = jest.status ?? 1;
if (process.env.CI && (skipped > 0 || passed === 0)) {
  console.error(skipped > 0 ? `${skipped} test(s) skipped: nothing may skip in CI` : 'no test ran');
  status = status || 1;
}
console.log(`tests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(status);
