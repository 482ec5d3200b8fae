/**
 * A jest reporter that ends a run with what a reader checks at a glance: suites run, tests passed, failed and
 * skipped, and which end-to-end scenarios ran on which engine (the harness records the engine each suite booted in
 * test-reports/e2e-engines/). Written to test-reports/summary.txt and summary.json; `.ci/run` prints it and is red
 * on any skipped test.
 */
const fs = require('fs');
const path = require('path');

class SummaryReporter {
  constructor(globalConfig) {
    this.rootDir = globalConfig.rootDir;
  }

  /** Engine records of an earlier run would name engines this run did not use. */
  onRunStart() {
    for (const d of ['e2e-engines', 'e2e-archiver']) fs.rmSync(path.join(this.rootDir, 'test-reports', d), { recursive: true, force: true });
  }

  onRunComplete(_contexts, results) {
    const dir = path.join(this.rootDir, 'test-reports');
    fs.mkdirSync(dir, { recursive: true });
    const engines = path.join(dir, 'e2e-engines');
    const suites = results.testResults.map(file => {
      const name = path.relative(this.rootDir, file.testFilePath);
      const engineFile = path.join(engines, `${path.basename(file.testFilePath)}.json`);
      const engine = fs.existsSync(engineFile) ? JSON.parse(fs.readFileSync(engineFile, 'utf8')) : undefined;
      const count = status => file.testResults.filter(t => t.status === status).length;
      return {
        name,
        passed: count('passed'),
        failed: count('failed') + (file.testExecError ? 1 : 0),
        skipped: count('pending') + count('skipped') + count('todo'),
        engine,
        scenarios: engine ? file.testResults.map(t => ({ title: t.title, status: t.status })) : [],
      };
    });
    const total = {
      suites: suites.length,
      passed: results.numPassedTests,
      failed: results.numFailedTests + results.numRuntimeErrorTestSuites,
      skipped: results.numPendingTests + results.numTodoTests,
    };
    const lines = ['Test summary', `  suites run: ${total.suites}`,
      `  tests: ${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`];
    const skippedSuites = suites.filter(s => s.skipped > 0);
    if (skippedSuites.length) lines.push(`  skipped in: ${skippedSuites.map(s => `${s.name} (${s.skipped})`).join(', ')}`);
    const e2e = suites.filter(s => s.engine);
    if (e2e.length) {
      lines.push('  end-to-end scenarios, by suite and engine:');
      for (const s of e2e) {
        lines.push(`    ${s.name}: ${s.engine.postgres}; pgBackRest ${s.engine.pgbackrest}${s.engine.patroni ? `; Patroni ${s.engine.patroni}` : ''}`);
        const marks = { passed: 'ok  ', failed: 'FAIL', pending: 'skip', skipped: 'skip', todo: 'todo' };
        for (const t of s.scenarios) lines.push(`      ${marks[t.status] ?? t.status} ${t.title}`);
      }
    }
    // Archive failures the harness saw in instance pods (some scenarios cause them on purpose: outages, wrong
    // credentials, a missing stanza): a slow or failing archive shows even in a green run.
    const archiverDir = path.join(dir, 'e2e-archiver');
    if (fs.existsSync(archiverDir)) {
      lines.push('  WAL archiving failures seen in instance pods (archive_command failures / pauses of the archiver / crash restarts):');
      for (const f of fs.readdirSync(archiverDir).sort()) {
        const rows = fs.readFileSync(path.join(archiverDir, f), 'utf8').split('\n').filter(Boolean).map(l => JSON.parse(l));
        const sum = k => rows.reduce((n, r) => n + r[k], 0);
        lines.push(`    ${f.replace(/\.jsonl$/, '')}: ${sum('failures')} / ${sum('pauses')} / ${sum('crashRestarts')}`);
      }
    }
    // The plain closing line CI reads in any language.
    lines.push(`${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
    const text = lines.join('\n') + '\n';
    fs.writeFileSync(path.join(dir, 'summary.txt'), text);
    fs.writeFileSync(path.join(dir, 'summary.json'), JSON.stringify({ total, suites }, null, 2) + '\n');
    process.stdout.write('\n' + text);
  }
}

module.exports = SummaryReporter;
