/**
 * Synthesis at fleet scale: 10, 100 and 1000 clusters (4 repos, 3 schedules each), time and peak memory of the
 * constructs against a floor of the same objects written as raw cdk8s ApiObjects, measured in the same run, each
 * in a fresh process, median of three.
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

function measure(mode: string, n: number, target: string, objectsFile: string, report: boolean): { ms: number; memoryMb: number } {
  const args = ['--expose-gc', '-r', 'ts-node/register/transpile-only', path.join(__dirname, 'synth-worker.ts'), mode, String(n), target, objectsFile, report ? 'report' : 'no-report'];
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
    for (const n of sizes) {
      const ours: { ms: number; memoryMb: number }[] = [];
      const plain: { ms: number; memoryMb: number }[] = [];
      const floor: { ms: number; memoryMb: number }[] = [];
      for (let r = 0; r < repeats; r++) {
        ours.push(measure('ours', n, target, file, true));
        plain.push(measure('ours', n, target, file, false));
        floor.push(measure('floor', n, target, file, false));
      }
      for (const [report, runs] of [[true, ours], [false, plain]] as const) {
        rows.push(row(target, n, report, runs, floor));
      }
      process.stderr.write(`synth ${target} ${n}: ours ${median(ours.map(x => x.ms)).toFixed(0)} ms, without report ${median(plain.map(x => x.ms)).toFixed(0)} ms, floor ${median(floor.map(x => x.ms)).toFixed(0)} ms\n`);
    }
  }
  return rows;
}

function row(target: string, n: number, report: boolean, ours: { ms: number; memoryMb: number }[], floor: { ms: number; memoryMb: number }[]): SynthRow {
  const r = {
        target, clusters: n, report,
    oursMs: median(ours.map(x => x.ms)), floorMs: median(floor.map(x => x.ms)),
    oursMb: median(ours.map(x => x.memoryMb)), floorMb: median(floor.map(x => x.memoryMb)),
  };
  return { ...r, timeRatio: r.oursMs / r.floorMs, memoryRatio: r.oursMb / Math.max(1, r.floorMb), oursMsPerCluster: r.oursMs / n };
}
