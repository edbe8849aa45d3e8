/**
 * A jest reporter (package.json "reporters"): after every run it prints one machine-readable
 * line with the counts,
 *
 *   halo-tests: tier=unit passed=812 failed=0 skipped=0 todo=0
 *
 * (test/run-all.sh sums these lines over the tiers), lists every skipped and todo test by file
 * and name, and — when the run is strict — fails the run if any test was skipped or todo, or a
 * file ran no test at all. A test suite that passes by skipping proves nothing.
 *
 * Strict: under CI (`CI` set, not "0"/"false") or HALO_FAIL_ON_SKIP=1 (test/run-all.sh sets it),
 * except for runs filtered by name (`-t`, which skips the rest by design).
 */
'use strict';

const truthy = (v) => !['', '0', 'false'].includes(String(v ?? '').trim().toLowerCase());

class NoSkipReporter {
  constructor(globalConfig) {
    this.globalConfig = globalConfig;
    this.error = undefined;
  }

  onRunComplete(contexts, results) {
    const g = this.globalConfig;
    const tier =
      (g.selectProjects && g.selectProjects.length ? g.selectProjects : [...contexts].map((c) => c.config.displayName?.name ?? c.config.displayName).filter(Boolean)).join('+') || 'all';
    const skipped = [];
    const todo = [];
    const empty = [];
    for (const file of results.testResults) {
      const rel = file.testFilePath.startsWith(g.rootDir) ? file.testFilePath.slice(g.rootDir.length + 1) : file.testFilePath;
      for (const t of file.testResults) {
        if (t.status === 'pending' || t.status === 'skipped' || t.status === 'disabled') skipped.push(`${rel}: ${t.fullName}`);
        else if (t.status === 'todo') todo.push(`${rel}: ${t.fullName}`);
      }
      if (!file.testExecError && file.testResults.length === 0) empty.push(rel);
    }
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    const out = process.stdout;
    for (const s of skipped) out.write(`skipped: ${s}\n`);
    for (const s of todo) out.write(`todo: ${s}\n`);
    for (const s of empty) out.write(`no test ran: ${s}\n`);
    out.write(`halo-tests: tier=${tier} passed=${results.numPassedTests} failed=${failed} skipped=${skipped.length} todo=${todo.length}\n`);

    const strict = (truthy(process.env.CI) || truthy(process.env.HALO_FAIL_ON_SKIP)) && !g.testNamePattern;
    const problems = [];
    if (skipped.length) problems.push(`${skipped.length} skipped`);
    if (todo.length) problems.push(`${todo.length} todo`);
    if (empty.length) problems.push(`${empty.length} file(s) without a test that ran`);
    if (strict && problems.length) {
      this.error = new Error(`${problems.join(', ')}: the run fails (a skipped or todo test proves nothing; see README.md, Tests)`);
      out.write(`halo-tests: FAIL: ${this.error.message}\n`);
    } else if (problems.length) {
      out.write(`halo-tests: warning: ${problems.join(', ')} (test/run-all.sh and CI fail on this)\n`);
    }
  }

  getLastError() {
    return this.error;
  }
}

module.exports = NoSkipReporter;
