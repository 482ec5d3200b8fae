/**
 * Synthesis at fleet scale: 10, 100 and 1000 clusters (4 repos, 3 schedules each), time and peak memory of the
 * constructs against a floor of the same objects written as raw cdk8s ApiObjects, measured in the same run, each
 * in a fresh process, median of three (one run at 1000 clusters per chart, which takes minutes). Two layouts: one
 * chart per cluster (cdk8s validates the whole app once per chart, so both grow quadratically) and one chart for
 * the fleet (linear).
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Testing } from 'cdk8s';
import { DeploymentTarget } from '../src';
import { buildFleet } from './fleet';

export interface SynthRow {
  readonly target: string;
  /** `per-chart` (one chart per cluster) or `one-chart`. */
  readonly layout: string;
  /** Whether the constructs also wrote their backup plan reports (the default). */
  readonly report: boolean;
  readonly clusters: number;
  readonly oursMs: number;
  readonly floorMs: number;
  readonly timeRatio: number;
  readonly oursMb: number;
  readonly floorMb: number;
  readonly memoryRatio: number;
  readonly oursMsPerCluster: number;
}

type Run = { ms: number; memoryMb: number };

function measure(mode: string, n: number, target: string, objectsFile: string, report: boolean, layout: string): Run {
  const args = ['--expose-gc', '-r', 'ts-node/register/transpile-only', path.join(__dirname, 'synth-worker.ts'), mode, String(n), target, objectsFile, report ? 'report' : 'no-report', layout];
  const out = execFileSync(process.execPath, args, {
    encoding: 'utf8', env: { ...process.env, TS_NODE_TRANSPILE_ONLY: 'true' }, maxBuffer: 1 << 20,
  });
  return JSON.parse(out.trim().split('\n').pop() as string);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export function synthBenchmark(sizes: number[], repeats: number): SynthRow[] {
  const rows: SynthRow[] = [];
  for (const target of [DeploymentTarget.OPERATOR, DeploymentTarget.STANDALONE]) {
    // The floor's objects: exactly what the constructs synthesize for one cluster.
    const app = Testing.app();
    buildFleet(app, 1, target);
    const objects = Testing.synth(app.charts[0]);
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bench-')), 'objects.json');
    fs.writeFileSync(file, JSON.stringify(objects));
    // Peak memory is counted above that of the same process with an empty fleet.
    const empty = { ours: measure('ours', 0, target, file, false, 'per-chart').memoryMb, floor: measure('floor', 0, target, file, false, 'per-chart').memoryMb };
    const above = (mode: 'ours' | 'floor', r: Run): Run => ({ ms: r.ms, memoryMb: r.memoryMb - empty[mode] });
    for (const layout of ['per-chart', 'one-chart']) {
      for (const n of sizes) {
        const ours: Run[] = [];
        const plain: Run[] = [];
        const floor: Run[] = [];
        const runs = layout === 'per-chart' && n >= 1000 ? 1 : repeats;
        for (let r = 0; r < runs; r++) {
          // The report is measured in the per-chart layout only: its cost is per cluster, the same in both.
          if (layout === 'per-chart') ours.push(above('ours', measure('ours', n, target, file, true, layout)));
          plain.push(above('ours', measure('ours', n, target, file, false, layout)));
          floor.push(above('floor', measure('floor', n, target, file, false, layout)));
        }
        if (ours.length) rows.push(row(target, layout, n, true, ours, floor));
        rows.push(row(target, layout, n, false, plain, floor));
        process.stderr.write(`synth ${target} ${layout} ${n}: without report ${median(plain.map(x => x.ms)).toFixed(0)} ms, floor ${median(floor.map(x => x.ms)).toFixed(0)} ms${ours.length ? `, with report ${median(ours.map(x => x.ms)).toFixed(0)} ms` : ''}\n`);
      }
    }
  }
  return rows;
}

function row(target: string, layout: string, n: number, report: boolean, ours: Run[], floor: Run[]): SynthRow {
  const r = {
    target, layout, clusters: n, report,
    oursMs: median(ours.map(x => x.ms)), floorMs: median(floor.map(x => x.ms)),
    oursMb: median(ours.map(x => x.memoryMb)), floorMb: median(floor.map(x => x.memoryMb)),
  };
  return { ...r, timeRatio: r.oursMs / r.floorMs, memoryRatio: r.oursMb / Math.max(1, r.floorMb), oursMsPerCluster: r.oursMs / n };
}
