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
  readonly clusters: number;
  readonly oursMs: number;
  readonly floorMs: number;
  readonly timeRatio: number;
  readonly oursMb: number;
  readonly floorMb: number;
  readonly memoryRatio: number;
  readonly oursMsPerCluster: number;
}

function measure(mode: string, n: number, target: string, objectsFile: string): { ms: number; memoryMb: number } {
  const out = execFileSync(process.execPath, ['--expose-gc', '-r', 'ts-node/register/transpile-only', path.join(__dirname, 'synth-worker.ts'), mode, String(n), target, objectsFile], {
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
      const floor: { ms: number; memoryMb: number }[] = [];
      for (let r = 0; r < repeats; r++) {
        ours.push(measure('ours', n, target, file));
        floor.push(measure('floor', n, target, file));
      }
      const row = {
        target, clusters: n,
        oursMs: median(ours.map(x => x.ms)), floorMs: median(floor.map(x => x.ms)),
        oursMb: median(ours.map(x => x.memoryMb)), floorMb: median(floor.map(x => x.memoryMb)),
      };
      rows.push({
        ...row,
        timeRatio: row.oursMs / row.floorMs,
        memoryRatio: row.oursMb / Math.max(1, row.floorMb),
        oursMsPerCluster: row.oursMs / n,
      });
      process.stderr.write(`synth ${target} ${n}: ours ${row.oursMs.toFixed(0)} ms / floor ${row.floorMs.toFixed(0)} ms\n`);
    }
  }
  return rows;
}
