/**
 * Steps shared by the end-to-end suites: boot a synthesized cluster in the harness, write and check data by
 * content, read `pgbackrest info`, restore into new clusters.
 */
import * as fs from 'fs';
import * as path from 'path';
import { App, Chart, Size, Testing } from 'cdk8s';
import { BackupRepo, BackupSchedule, DeploymentTarget, IvoryCluster, IvoryClusterProps, RecoveryTarget, Restore } from '../../src';
import { LocalCluster } from './harness/cluster';

export const NAMESPACE = 'db';

/**
 * What the e2e clusters share: the standalone target with every default a user gets, so the images are IVYO 5.4's
 * (IvorySQL 5.4, PostgreSQL 18, pgBackRest 2.58), which the harness runs from the engine built as they build it.
 */
export function e2eProps(props: Partial<IvoryClusterProps>): IvoryClusterProps {
  return {
    target: DeploymentTarget.STANDALONE,
    repos: [],
    ...props,
  } as IvoryClusterProps;
}

/**
 * Synthesizes one chart. Its manifests are schema-validated and security-checked by the wrapper every test run
 * installs (test/setup/every-manifest.ts), against every secret value the tests use.
 */
export function synthChart(chart: Chart): any[] {
  return Testing.synth(chart);
}

/**
 * The cluster the single-cluster suites break in one place each: `hippo` with a volume repo and a daily full, and
 * `props` over it.
 */
export function synthVolumeCluster(props: Partial<IvoryClusterProps> = {}): { cluster: IvoryCluster; manifests: any[] } {
  const chart = newChart(Testing.app());
  const repos = [BackupRepo.volume({ size: Size.gibibytes(1), schedule: BackupSchedule.dailyFull() })];
  const cluster = new IvoryCluster(chart, 'hippo', e2eProps({ repos, ...props }));
  return { cluster, manifests: synthChart(chart) };
}

/** Runs `fn` on a harness of `manifests`, destroyed afterwards whatever happens. */
export async function withCluster<T>(manifests: any[], fn: (k: LocalCluster) => Promise<T>): Promise<T> {
  const k = new LocalCluster(manifests);
  try {
    return await fn(k);
  } finally {
    await k.destroy();
  }
}

/** The pod template of the cluster's first instance set in `manifests`. */
export function instanceTemplate(manifests: any[], cluster = 'hippo'): any {
  return manifests.find(m => m.kind === 'StatefulSet' && m.metadata.name === `${cluster}-instance1`).spec.template;
}

let charts = 0;
/** A chart (one cluster) in an app shared by the clusters of a suite, so clones can name their source. */
export function newChart(app: App): Chart {
  return new Chart(app, `chart${++charts}`, { namespace: NAMESPACE });
}

export function sleep(ms: number): Promise<void> {
  return new Promise(resolve => setTimeout(resolve, ms));
}

export async function until<T>(what: string, timeoutSeconds: number, probe: () => Promise<T | undefined | false>): Promise<T> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value as T;
    } catch (e) {
      last = e;
    }
    await sleep(500);
  }
  throw new Error(`timed out after ${timeoutSeconds}s waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}

/** Starts the repo host (if any), then the primary, waits for both, then runs the stanza-create Job. */
export async function boot(k: LocalCluster, cluster: IvoryCluster, options: { stanza?: boolean } = {}): Promise<string> {
  const name = cluster.clusterName;
  if (k.objects('StatefulSet').some(s => s.metadata.name === `${name}-repo-host`)) {
    await (await k.startStatefulSetPod(`${name}-repo-host`, 0)).waitReady(60);
  }
  const primary = `${name}-instance1-0`;
  // Everything is applied at once, as kubectl or a GitOps tool would: the stanza-create Job starts before the
  // database is up and has to wait for it.
  const stanza = options.stanza !== false ? await k.startJob('Job', stanzaJob(k, name)) : undefined;
  await (await k.startStatefulSetPod(`${name}-instance1`, 0)).waitReady(300);
  if (stanza && !(await stanza.waitCompleted(300))) throw new Error(`stanza-create failed:\n${stanza.logs()}`);
  await recordEngine(k, primary);
  return primary;
}

/**
 * Writes which engine this suite's cluster runs (as the running server and pgBackRest report it) for the run's
 * summary (test/support/summary-reporter.js).
 */
export async function recordEngine(k: LocalCluster, pod: string): Promise<void> {
  const testPath = typeof expect === 'undefined' ? undefined : expect.getState().testPath;
  if (!testPath) return;
  const postgres = await k.psql(pod, 'select version()');
  const pgbackrest = (await k.pgbackrest(pod, 'database', ['version'])).stdout.trim().replace(/^pgBackRest /, '');
  const dir = path.join(__dirname, '..', '..', 'test-reports', 'e2e-engines');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, `${path.basename(testPath)}.json`), JSON.stringify({ postgres: postgres.replace(/ on x86_64.*$/, ''), pgbackrest }) + '\n');
}

export function stanzaJob(k: LocalCluster, cluster: string): string {
  const jobs = k.objects('Job').filter(j => j.metadata.name.startsWith(`${cluster}-stanza-create-`));
  return jobs[jobs.length - 1].metadata.name;
}

/** Inserts `count` rows tagged `phase` into table t and returns when committed. */
export async function write(k: LocalCluster, pod: string, phase: string, count = 1000): Promise<void> {
  await k.psql(pod, `create table if not exists t (id bigserial primary key, phase text not null, payload text not null);
    insert into t (phase, payload) select '${phase}', md5(g::text || '${phase}') from generate_series(1, ${count}) g;`);
}

/** Row counts per phase and a checksum of the whole table: what "the same data" means in these tests. */
export async function content(k: LocalCluster, pod: string): Promise<{ phases: { [phase: string]: number }; checksum: string }> {
  const rows = await k.psql(pod, "select phase || '=' || count(*) from t group by phase order by phase");
  const checksum = await k.psql(pod, "select md5(coalesce(string_agg(id || ':' || phase || ':' || payload, ',' order by id), '')) from t");
  const phases: { [phase: string]: number } = {};
  for (const line of rows.split('\n').filter(Boolean)) {
    const [phase, n] = line.split('=');
    phases[phase] = Number(n);
  }
  return { phases, checksum };
}

export async function now(k: LocalCluster, pod: string): Promise<string> {
  return k.psql(pod, "select to_char(clock_timestamp() at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00'");
}

/** Switches to a new WAL segment and waits until the archiver has archived it (pgBackRest accepted it). */
export async function archiveCurrentWal(k: LocalCluster, pod: string, timeoutSeconds = 300): Promise<string> {
  const segment = await k.psql(pod, 'select pg_walfile_name(pg_switch_wal())');
  try {
    await until(`WAL ${segment} archived`, timeoutSeconds, async () => {
      const last = await k.psql(pod, 'select coalesce(last_archived_wal, \'\') from pg_stat_archiver');
      return last >= segment ? last : undefined;
    });
  } catch (e) {
    // What the archiver last did and the pod's log, so a failure on CI can be read from its output.
    const archiver = await k.psql(pod, 'select row(pg_stat_archiver.*)::text from pg_stat_archiver').catch(() => '');
    // pgBackRest's side: the asynchronous archive-push log and its processes (one stuck holding the lock makes every
    // later push wait out archive-timeout without an error).
    const pushes = await k.exec(pod, 'database', ['bash', '-c',
      'tail -n 40 /pgdata/pgbackrest/log/db-archive-push-async.log 2>&1; echo "--- processes"; ps -eo pid,etime,args | grep -v grep | grep pgbackrest'],
    { quiet: true }).then(r => r.stdout + r.stderr).catch(() => '');
    throw new Error(`${(e as Error).message}\npg_stat_archiver: ${archiver}\n--- ${pod} archive-push (async log tail)\n${pushes}`
      + `\n--- ${pod} log (tail)\n${k.pod(pod).logs().slice(-4000)}`);
  }
  return segment;
}

/**
 * Scenario 1 for a volume repo on the repo host: rows written, WAL archived and in `pgbackrest info`, the first
 * full backup taken by the stanza-create Job, and the segment a file in the repo's PVC, where the repo must be.
 */
export async function checkWalArchivedToVolumeRepo(k: LocalCluster, primary: string, claim: string, timeoutSeconds = 120): Promise<void> {
  await write(k, primary, 'one');
  const segment = await archiveCurrentWal(k, primary, timeoutSeconds);
  const { archive, backups } = await info(k, primary);
  expect(archive).toEqual([{ min: expect.any(String), max: expect.any(String), repoKey: 1 }]);
  expect(archive[0].max >= segment).toBe(true);
  // The stanza-create Job took the first full backup so replicas can be created from the repo.
  expect(backups.map(b => b.type)).toEqual(['full']);
  const files = k.claimDir(claim);
  expect(fs.existsSync(`${files}/archive/db`) ? fs.readdirSync(`${files}/archive/db`) : []).toEqual(expect.arrayContaining(['archive.info', '18-1']));
}

export interface BackupInfo {
  readonly label: string;
  readonly type: string;
  readonly repoKey: number;
  readonly prior?: string;
}

/** `pgbackrest info` from the primary's database container. */
export interface RepoInfo {
  readonly backups: BackupInfo[];
  readonly archive: { min: string; max: string; repoKey: number }[];
  readonly raw: any;
}

export async function info(k: LocalCluster, pod: string, options: { expectUnreadable?: boolean } = {}): Promise<RepoInfo> {
  // pgBackRest 2.58 leaves a repo it could not read this time out of `archive` and `backup`, with its reason in
  // `repo[].status` (an emulator busy under two suites at once): ask again, up to a minute, and then say why.
  let raw: any;
  for (let attempt = 0; ; attempt++) {
    const r = await k.pgbackrest(pod, 'database', ['--stanza=db', 'info', '--output=json']);
    if (r.code !== 0) throw new Error(`pgbackrest info failed: ${r.stderr}${r.stdout}`);
    raw = JSON.parse(r.stdout)[0];
    // 99 is pgBackRest's "other": the repo could not be read (no backups yet, 2, or one running, 6, are answers).
    const unread = (raw.repo ?? []).filter((repo: any) => repo.status?.code === 99);
    if (unread.length === 0 || options.expectUnreadable) break;
    if (attempt >= 30) throw new Error(`pgbackrest info: repos not readable: ${JSON.stringify(unread)}`);
    await sleep(2000);
  }
  return {
    raw,
    backups: (raw.backup ?? []).map((b: any) => ({ label: b.label, type: b.type, repoKey: b.database['repo-key'], prior: b.prior ?? undefined })),
    archive: (raw.archive ?? []).map((a: any) => ({ min: a.min, max: a.max, repoKey: a.database['repo-key'] })),
  };
}

/** Runs a CronJob's job template; throws with the logs when it fails. */
export async function runCronJob(k: LocalCluster, name: string): Promise<string> {
  const r = await k.runJob('CronJob', name, 600);
  if (!r.succeeded) throw new Error(`${name} failed:\n${r.logs}`);
  return r.logs;
}

/**
 * Creates a cluster restored from `source` at `target` (a new chart in the same app), boots it and returns its
 * primary pod.
 */
export async function bootClone(k: LocalCluster, app: App, props: IvoryClusterProps, name: string)
  : Promise<{ cluster: IvoryCluster; primary: string }> {
  const chart = newChart(app);
  const cluster = new IvoryCluster(chart, name, props);
  k.apply(synthChart(chart));
  const primary = await boot(k, cluster, { stanza: false });
  return { cluster, primary };
}

/**
 * Rows tagged `before`, a target time, rows tagged `after`, and the WAL archived: what a point-in-time restore to
 * `target` must give back is `expected`. Returns the archived segment too.
 */
export async function rowsAroundTarget(k: LocalCluster, primary: string)
  : Promise<{ expected: Awaited<ReturnType<typeof content>>; target: string; segment: string }> {
  await write(k, primary, 'before');
  const expected = await content(k, primary);
  await sleep(1100);
  const target = await now(k, primary);
  await sleep(1100);
  await write(k, primary, 'after');
  const segment = await archiveCurrentWal(k, primary);
  return { expected, target, segment };
}

/**
 * Runs a CronJob's backup as scheduled: with no --start-fast it begins at the next regular checkpoint, so once its
 * log says it waits for one, `primary()` (the pod that leads now) is asked for it rather than wait for
 * checkpoint_timeout.
 */
export async function runScheduledBackup(k: LocalCluster, cronJob: string, primary: () => Promise<string> | string)
  : Promise<{ succeeded: boolean; logs: string }> {
  const pod = await k.startJob('CronJob', cronJob);
  let done = false;
  const checkpoint = (async () => {
    while (!done && !/backup begins after the next regular checkpoint/.test(pod.logs())) await sleep(500);
    if (!done) await k.psql(await primary(), 'checkpoint');
  })();
  const succeeded = await pod.waitCompleted(600).finally(() => { done = true; });
  await checkpoint;
  return { succeeded, logs: pod.logs() };
}

/**
 * Scenario 3: rows before a target time, rows after it, then a new cluster restored from `repoName` at that time.
 * Returns the source's content at the target and the clone's.
 */
export async function pointInTimeRestore(k: LocalCluster, app: App, source: IvoryCluster, primary: string, repoName: string)
  : Promise<{ expected: Awaited<ReturnType<typeof content>>; restored: Awaited<ReturnType<typeof content>>; clone: string }> {
  const { expected, target } = await rowsAroundTarget(k, primary);
  const { primary: clone } = await bootClone(k, app, e2eProps({
    repos: [BackupRepo.volume({ size: Size.gibibytes(1) })],
    restoreFrom: Restore.fromCluster(source, { repoName, target: RecoveryTarget.time(target) }),
  }), `pitr-${repoName}`);
  return { expected, restored: await content(k, clone), clone };
}

export { App, Testing };
