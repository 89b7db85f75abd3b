// Adds up the vitest JSON reports of every package that has a test script and prints one
// closing line: "tests: N passed, N failed, N skipped". A package whose report is missing (its
// tests crashed or never ran) counts as one failure. Exits 1 when nothing passed or anything failed.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

let passed = 0, failed = 0, skipped = 0;
for (const top of ['apps', 'packages']) {
  for (const dir of readdirSync(top).sort()) {
    const manifest = join(top, dir, 'package.json');
    if (!existsSync(manifest) || !JSON.parse(readFileSync(manifest, 'utf8')).scripts?.test) continue;
    // One vitest JSON report per test run of the package (unit tests, browser tests...).
    const results = join(top, dir, '.test-results');
    const reports = existsSync(results) ? readdirSync(results).filter((f) => f.endsWith('.json')) : [];
    if (reports.length === 0) {
      console.log(`${dir}: no test report (the tests crashed or did not run)`);
      failed += 1;
      continue;
    }
    for (const file of reports.sort()) {
      const r = JSON.parse(readFileSync(join(results, file), 'utf8'));
      const skippedHere = r.numPendingTests + (r.numTodoTests ?? 0);
      passed += r.numPassedTests;
      failed += r.numFailedTests;
      skipped += skippedHere;
      console.log(`${dir} (${file}): ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skippedHere} skipped`);
    }
  }
}
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
