/**
 * One synthesis measurement in a fresh process: `ours` builds the fleet with the constructs; `floor` builds the
 * same objects (read from a JSON file) as raw cdk8s ApiObjects. Prints {ms, memoryMb} as JSON.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ApiObject, App, Chart } from 'cdk8s';
import { DeploymentTarget } from '../src';
import { buildFleet } from './fleet';

function rss(field: 'VmHWM' | 'VmRSS'): number {
  const status = fs.readFileSync('/proc/self/status', 'utf8');
  return Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1]) / 1024;
}

const [mode, nText, target, objectsFile, report] = process.argv.slice(2);
const n = Number(nText);
const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-synth-'));
// The floor's input: every cluster's objects, ready before the clock starts.
const template: any[] = mode === 'floor' ? JSON.parse(fs.readFileSync(objectsFile, 'utf8')) : [];
const perCluster = mode === 'floor'
  ? Array.from({ length: n }, (_, i) => JSON.parse(JSON.stringify(template).replace(/\bpg0\b/g, `pg${i}`).replace(/\bteam0\b/g, `team${i % 50}`)))
  : [];
global.gc?.();
// Reset the peak resident set size to the current one (Linux), so the peak below is the synthesis's own.
fs.writeFileSync('/proc/self/clear_refs', '5');
const baseline = rss('VmRSS');
const start = performance.now();
const app = new App({ outdir });
if (mode === 'ours') {
  buildFleet(app, n, target as DeploymentTarget, report !== 'no-report');
} else {
  perCluster.forEach((objects: any[], i) => {
    const chart = new Chart(app, `cluster${i}`);
    objects.forEach((obj, j) => new ApiObject(chart, `o${j}`, obj));
  });
}
app.synth();
const ms = performance.now() - start;
console.log(JSON.stringify({ ms, memoryMb: rss('VmHWM') - baseline }));
fs.rmSync(outdir, { recursive: true, force: true });
