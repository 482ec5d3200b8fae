/**
 * pgBackRest settings measured side by side, with real PostgreSQL 15 and pgBackRest 2.45 running the synthesized
 * standalone pods in the end-to-end harness:
 *   (a) this library's defaults at the installed pgBackRest version,
 *   (b) the configuration IVYO generates by default (pgBackRest's defaults: gzip 6, one process, synchronous
 *       archiving, no bundling),
 *   (c) the raw read floor: PGDATA read by tar.
 * Both clusters hold the same pgbench database and run the same workloads, one at a time.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Size, Testing } from 'cdk8s';
import { BackupRepo, BackupSchedule, IvoryCluster, IvoryClusterProps, PgBackRestTuningProps } from '../src';
import { PGBACKREST_DEFAULTS } from '../src/private/pgbackrest/tuning';
import { LocalCluster } from '../test/e2e/harness/cluster';
import { boot, e2eProps, info, newChart, synthChart } from '../test/e2e/scenario';

export interface PgBackRestResults {
  /** What ran, as the server and pgBackRest report it. */
  readonly engine: string;
  readonly scale: number;
  readonly databaseMb: number;
  readonly readFloorSeconds: number;
  readonly full: { [config: string]: { seconds: number; repoMb: number } };
  readonly incremental: { [config: string]: { seconds: number; repoMb: number } };
  readonly tps: { [config: string]: number };
  /** CPU seconds per pgbench run: the database container (PostgreSQL, archive-push) and the repo host. */
  readonly cpuSeconds: { [config: string]: { database: number; repoHost: number; walMb: number } };
  readonly restoreSeconds: { [config: string]: number };
}

const now = () => performance.now() / 1000;
const REPO_CLASS = 'separate-device';
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function du(dir: string): number {
  let total = 0;
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) total += fs.statSync(p).size;
    }
  };
  walk(dir);
  return total / 1024 / 1024;
}

async function exec(k: LocalCluster, pod: string, command: string): Promise<string> {
  const r = await k.exec(pod, 'database', ['bash', '-ceu', command]);
  if (r.code !== 0) throw new Error(`${pod}: ${command}: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

async function timed<T>(what: () => Promise<T>): Promise<{ seconds: number; value: T }> {
  const start = now();
  const value = await what();
  return { seconds: now() - start, value };
}

export async function pgbackrestBenchmark(scale: number, tpsSeconds: number, log: (line: string) => void): Promise<PgBackRestResults> {
  const app = Testing.app();
  const configs: { [name: string]: PgBackRestTuningProps } = { ours: {}, ivyo: PGBACKREST_DEFAULTS };
  const manifests: any[] = [];
  const clusters: { [name: string]: IvoryCluster } = {};
  for (const [name, tuning] of Object.entries(configs)) {
    const chart = newChart(app);
    const props: IvoryClusterProps = e2eProps({
      tuning,
      instances: [{ dataVolumeSize: Size.gibibytes(20) }],
      // The repo volume is on a device of its own, as a repo host on another node would be (see the README).
      repos: [BackupRepo.volume({ size: Size.gibibytes(20), storageClassName: REPO_CLASS, schedule: BackupSchedule.weeklyFullDailyDifferentialHourlyIncremental() })],
      // Backups of gigabytes take longer than the plan's default expectations; this run starts them by hand.
      backupPlan: { writeReport: false },
    });
    clusters[name] = new IvoryCluster(chart, name, props);
    manifests.push(...synthChart(chart));
  }
  const k = new LocalCluster(manifests, { memoryStorageClasses: [REPO_CLASS] });
  try {
    const primary: { [name: string]: string } = {};
    for (const name of Object.keys(configs)) {
      primary[name] = await boot(k, clusters[name]);
      log(`${name}: booted`);
      const init = await timed(() => exec(k, primary[name], `pgbench -i -s ${scale} -q postgres 2>&1 | tail -1; psql -XAtq -c checkpoint postgres`));
      log(`${name}: pgbench -i -s ${scale} in ${init.seconds.toFixed(0)} s`);
    }
    const databaseMb = Number(await exec(k, primary.ours, "psql -XAt -c \"select pg_database_size('postgres')\" postgres")) / 1024 / 1024;

    // (c) Reading PGDATA once, warm (tar to a pipe: GNU tar skips reading files when writing to /dev/null).
    await exec(k, primary.ours, 'tar -cf - -C /pgdata pg18 | wc -c');
    const floor = await timed(() => exec(k, primary.ours, 'tar -cf - -C /pgdata pg18 | wc -c'));
    log(`read floor: ${floor.seconds.toFixed(1)} s`);

    const backup = async (name: string, type: string) => {
      // Scheduled backups wait for the next checkpoint; make it now so both configs start alike.
      await exec(k, primary[name], 'psql -XAtq -c checkpoint postgres');
      const result = await timed(() => k.runJob('CronJob', `${name}-repo1-${type}`, 3600));
      if (!result.value.succeeded) throw new Error(`${name} ${type} backup failed:\n${result.value.logs}`);
      const last = (await info(k, primary[name])).backups.pop();
      const repoMb = du(path.join(k.claimDir(`${name}-repo1`), 'backup', 'db', last!.label));
      log(`${name}: ${type} backup ${result.seconds.toFixed(1)} s, ${repoMb.toFixed(0)} MiB in the repo`);
      return { seconds: result.seconds, repoMb, label: last!.label };
    };

    const full: PgBackRestResults['full'] = {};
    const fullLabels: { [name: string]: string } = {};
    for (const name of ['ivyo', 'ours']) {
      const r = await backup(name, 'full');
      full[name] = { seconds: r.seconds, repoMb: r.repoMb };
      fullLabels[name] = r.label;
    }

    // The same write load on both, then an incremental backup of what changed.
    const incremental: PgBackRestResults['incremental'] = {};
    for (const name of ['ivyo', 'ours']) {
      await exec(k, primary[name], `pgbench -n -c 4 -j 2 -t 20000 postgres > /dev/null`);
      const r = await backup(name, 'incr');
      incremental[name] = { seconds: r.seconds, repoMb: r.repoMb };
    }

    // Throughput with WAL archived through each config, and with archiving off, alternating over three rounds.
    // Every run starts alike: a freshly restarted server (archiving off needs a restart) after a short warm-up.
    const tps: { [config: string]: number[] } = { ours: [], ivyo: [], off: [] };
    const cpu: { [config: string]: { database: number; repoHost: number; walMb: number }[] } = { ours: [], ivyo: [], off: [] };
    const pgbench = async (pod: string, seconds: number) =>
      Number(/tps = ([\d.]+)/.exec(await exec(k, pod, `pgbench -n -c 4 -j 2 -T ${seconds} postgres`))?.[1]);
    const restart = async (name: string) => {
      await exec(k, primary[name], 'psql -XAtq -c checkpoint postgres');
      await k.stopPod(primary[name], 60);
      await (await k.startStatefulSetPod(`${name}-instance1`, 0)).waitReady(300);
    };
    const measure = async (name: string, config: string, archiving: boolean) => {
      if (!archiving) await exec(k, primary[name], "psql -XAtq -c 'alter system set archive_mode = off' postgres");
      await restart(name);
      await pgbench(primary[name], 10);
      const db = k.pod(primary[name]).container('database');
      const repoHost = k.pod(`${name}-repo-host-0`).container('pgbackrest');
      const lsn = await exec(k, primary[name], "psql -XAt -c 'select pg_current_wal_lsn()' postgres");
      const [db0, repo0] = [db.cpuSeconds(), repoHost.cpuSeconds()];
      tps[config].push(await pgbench(primary[name], tpsSeconds));
      const walBytes = Number(await exec(k, primary[name], `psql -XAt -c "select pg_current_wal_lsn() - '${lsn.trim()}'::pg_lsn" postgres`));
      cpu[config].push({ database: db.cpuSeconds() - db0, repoHost: repoHost.cpuSeconds() - repo0, walMb: walBytes / 1024 / 1024 });
      if (!archiving) await exec(k, primary[name], "psql -XAtq -c 'alter system reset archive_mode' postgres");
      log(`${config}: ${tps[config][tps[config].length - 1].toFixed(0)} tps`);
    };
    for (let round = 0; round < 3; round++) {
      await measure('ours', 'ours', true);
      await measure('ivyo', 'ivyo', true);
      await measure('ours', 'off', false);
    }
    await restart('ours');

    // Restoring each config's full backup (through its repo host) into an empty directory.
    const restoreSeconds: { [config: string]: number } = {};
    for (const name of ['ivyo', 'ours']) {
      const target = '/pgdata/bench-restore';
      await exec(k, primary[name], `rm -rf ${target}`);
      const r = await timed(() => exec(k, primary[name],
        `pgbackrest --stanza=db --repo=1 --set=${fullLabels[name]} --pg1-path=${target} --type=immediate --target-action=promote restore`));
      restoreSeconds[name] = r.seconds;
      await exec(k, primary[name], `rm -rf ${target}`);
      log(`${name}: restore ${r.seconds.toFixed(1)} s`);
    }

    const version = (await k.psql(primary.ours, 'select version()')).replace(/ on x86_64.*$/, '');
    const pgbackrestVersion = (await k.pgbackrest(primary.ours, 'database', ['version'])).stdout.trim();
    return {
      engine: `${version}, assert-enabled as in the image (debug_assertions ${await k.psql(primary.ours, 'show debug_assertions')}), ${pgbackrestVersion}`,
      scale,
      databaseMb,
      readFloorSeconds: floor.seconds,
      full,
      incremental,
      tps: { ours: median(tps.ours), ivyo: median(tps.ivyo), off: median(tps.off) },
      cpuSeconds: Object.fromEntries(Object.entries(cpu).map(([c, runs]) => [c, {
        database: median(runs.map(r => r.database)), repoHost: median(runs.map(r => r.repoHost)), walMb: median(runs.map(r => r.walMb)),
      }])),
      restoreSeconds,
    };
  } finally {
    await k.destroy();
  }
}
