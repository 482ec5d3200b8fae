/**
 * One synthesis measurement in a fresh process: `ours` builds the fleet with the constructs; `floor` builds the
 * same objects (read from a JSON file) as raw cdk8s ApiObjects. `layout` is one chart per cluster or one chart for
 * the fleet. Prints {ms, memoryMb} as JSON, memoryMb being the process's peak resident set (the caller subtracts
 * that of an empty fleet).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ApiObject, App, Chart } from 'cdk8s';
import { DeploymentTarget } from '../src';
import { buildFleet } from './fleet';

const [mode, nText, target, objectsFile, report, layout] = process.argv.slice(2);
const oneChart = layout === 'one-chart';
const n = Number(nText);
const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-synth-'));
// The floor's input: every cluster's objects, ready before the clock starts.
const template: any[] = mode === 'floor' ? JSON.parse(fs.readFileSync(objectsFile, 'utf8')) : [];
const perCluster = mode === 'floor'
  ? Array.from({ length: n }, (_, i) => JSON.parse(JSON.stringify(template).replace(/\bpg0\b/g, `pg${i}`).replace(/\bteam0\b/g, `team${i % 50}`)))
  : [];
const start = performance.now();
const app = new App({ outdir });
if (mode === 'ours') {
  buildFleet(app, n, target as DeploymentTarget, report !== 'no-report', oneChart);
} else {
  const fleetChart = oneChart ? new Chart(app, 'fleet') : undefined;
  perCluster.forEach((objects: any[], i) => {
    const chart = fleetChart ?? new Chart(app, `cluster${i}`);
    objects.forEach((obj, j) => new ApiObject(chart, `o${i}-${j}`, obj));
  });
}
app.synth();
const ms = performance.now() - start;
console.log(JSON.stringify({ ms, memoryMb: process.resourceUsage().maxRSS / 1024 }));
fs.rmSync(outdir, { recursive: true, force: true });
