/**
 * `npm run bench`: pgBackRest settings and synthesis at fleet scale, measured side by side in one run, printed as
 * tables (with ratios against the baselines measured in the same run) and written as JSON to bench-results/.
 *
 *   BENCH_SCALE=150     pgbench scale (150 is about 2.3 GB)
 *   BENCH_TPS_SECONDS=60  length of each pgbench throughput run
 *   BENCH_ONLY=pgbackrest|synth
 */
import * as fs from 'fs';
import * as path from 'path';
import { pgbackrestBenchmark, PgBackRestResults } from './pgbackrest';
import { synthBenchmark, SynthRow } from './synth';

const scale = Number(process.env.BENCH_SCALE ?? 150);
const tpsSeconds = Number(process.env.BENCH_TPS_SECONDS ?? 60);
const only = process.env.BENCH_ONLY;

const f1 = (x: number) => x.toFixed(1);
const ratio = (x: number) => `${x.toFixed(2)}x`;

function pgbackrestTable(r: PgBackRestResults): string {
  const lines = [
    `pgbench scale ${r.scale} (${(r.databaseMb / 1024).toFixed(2)} GiB), ${r.engine}, 2 cores`,
    '',
    '| measure | (a) cdk8s-ivorysql | (b) IVYO default | (c) floor | a vs b | a vs c | target |',
    '|---|---|---|---|---|---|---|',
    `| full backup, s | ${f1(r.full.ours.seconds)} | ${f1(r.full.ivyo.seconds)} | ${f1(r.readFloorSeconds)} (tar read) | ${ratio(r.full.ivyo.seconds / r.full.ours.seconds)} faster | ${ratio(r.full.ours.seconds / r.readFloorSeconds)} | >= 3x faster than (b), <= 1.5x (c) |`,
    `| full backup in repo, MiB | ${f1(r.full.ours.repoMb)} | ${f1(r.full.ivyo.repoMb)} | ${f1(r.databaseMb)} (database) | ${ratio(r.full.ours.repoMb / r.full.ivyo.repoMb)} of (b) | | |`,
    `| incremental backup, s | ${f1(r.incremental.ours.seconds)} | ${f1(r.incremental.ivyo.seconds)} | | ${ratio(r.incremental.ivyo.seconds / r.incremental.ours.seconds)} faster | | |`,
    `| incremental in repo, MiB | ${f1(r.incremental.ours.repoMb)} | ${f1(r.incremental.ivyo.repoMb)} | | | | |`,
    `| pgbench TPS, archiving on | ${f1(r.tps.ours)} | ${f1(r.tps.ivyo)} | ${f1(r.tps.off)} (archiving off) | | ${ratio(r.tps.ours / r.tps.off)} of off | >= 0.9x of off |`,
    `| restore, s | ${f1(r.restoreSeconds.ours)} | ${f1(r.restoreSeconds.ivyo)} | | ${ratio(r.restoreSeconds.ivyo / r.restoreSeconds.ours)} faster | | |`,
    '',
    `Profile of one ${tpsSeconds} s pgbench run (medians): CPU seconds used and WAL written`,
    '',
    '| config | database container, CPU s | repo host, CPU s | WAL, MiB | TPS |',
    '|---|---|---|---|---|',
    ...(['ours', 'ivyo', 'off'] as const).map(c => `| ${c === 'ours' ? '(a) archiving, cdk8s-ivorysql' : c === 'ivyo' ? '(b) archiving, IVYO default' : 'archiving off'} | ${f1(r.cpuSeconds[c].database)} | ${f1(r.cpuSeconds[c].repoHost)} | ${f1(r.cpuSeconds[c].walMb)} | ${f1(r.tps[c])} |`),
  ];
  return lines.join('\n');
}

function synthTable(rows: SynthRow[]): string {
  const lines = [
    '| target | layout | clusters | report | constructs, ms | raw ApiObjects, ms | time ratio | ms per cluster | peak memory, MiB | raw, MiB | memory ratio |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map(r => `| ${r.target} | ${r.layout} | ${r.clusters} | ${r.report ? 'yes' : 'no'} | ${r.oursMs.toFixed(0)} | ${r.floorMs.toFixed(0)} | ${ratio(r.timeRatio)} | ${f1(r.oursMsPerCluster)} | ${f1(r.oursMb)} | ${f1(r.floorMb)} | ${ratio(r.memoryRatio)} |`),
  ];
  return lines.join('\n');
}

async function main(): Promise<void> {
  const results: { pgbackrest?: PgBackRestResults; synth?: SynthRow[]; measuredAt: string } = { measuredAt: new Date().toISOString() };
  if (only !== 'synth') {
    results.pgbackrest = await pgbackrestBenchmark(scale, tpsSeconds, line => process.stderr.write(`${line}\n`));
  }
  if (only !== 'pgbackrest') {
    results.synth = synthBenchmark([10, 100, 1000], 3);
  }
  const dir = path.join(__dirname, '..', 'bench-results');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'latest.json'), JSON.stringify(results, null, 2) + '\n');
  if (results.pgbackrest) console.log(`\n${pgbackrestTable(results.pgbackrest)}\n`);
  if (results.synth) console.log(`\n${synthTable(results.synth)}\n`);
  console.log(JSON.stringify(results));
}

main().catch(e => {
  console.error(e);
  process.exit(1);
});
