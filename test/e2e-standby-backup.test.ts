/**
 * End-to-end, backups from a streaming standby (`backupJobs.source`, pgBackRest's `backup-standby`): the standalone
 * manifests with a primary and a streaming replica, on IvorySQL 5.4 and pgBackRest 2.58. pgBackRest's log at
 * `detail` names the host of every file it copies: that is how the test knows where the data pages came from.
 */
import { Size } from 'cdk8s';
import { BackupRepo, BackupSchedule, BackupSource, IvoryCluster, IvoryClusterProps, Restore } from '../src';
import { describeE2E, LocalCluster } from './e2e/harness/cluster';
import {
  App, archiveCurrentWal, boot, bootClone, content, e2eProps, info, newChart, runScheduledBackup, synthChart, Testing, until, write,
} from './e2e/scenario';

const run = describeE2E(__filename);
jest.setTimeout(900_000);

const CLUSTER = 'hippo';
const PRIMARY_HOST = `${CLUSTER}-instance1-0.${CLUSTER}-pods.db.svc.cluster.local`;
const STANDBY_HOST = `${CLUSTER}-instance1-1.${CLUSTER}-pods.db.svc.cluster.local`;

/** Where each file of a backup was read, from its log at `detail`: `backup file <host>:<path> (...)`. */
function filesByHost(log: string): { [host: string]: string[] } {
  const out: { [host: string]: string[] } = {};
  for (const m of log.matchAll(/ backup file ([^: ]+):(\/\S+) \(/g)) (out[m[1]] ??= []).push(m[2]);
  return out;
}

/** Relation files: the data pages (base/<db>/<relfilenode>, global/<relfilenode>). */
const isRelation = (file: string) => /\/(base\/\d+|global)\/\d+(_\w+)?(\.\d+)?$/.test(file);

run('e2e: backups from a streaming standby', () => {
  let app: App;
  let k: LocalCluster;
  let source: IvoryCluster;
  let primary: string;
  const replica = `${CLUSTER}-instance1-1`;
  const props = (backupSource: BackupSource): IvoryClusterProps => e2eProps({
    instances: [{ replicas: 2 }],
    repos: [BackupRepo.volume({ size: Size.gibibytes(1), schedule: BackupSchedule.dailyFull() })],
    backupJobs: { source: backupSource },
    // The file lines name the host each file was read from. A stopped pod's address here answers nothing (on
    // Kubernetes its DNS name goes away): pgBackRest gives up on it after io-timeout, 10 s rather than 60.
    pgbackrestOptions: { 'log-level-console': 'detail', 'io-timeout': '10' },
  });
  /** The next `cdk8s synth` of the app with another source, applied as a GitOps tool would. */
  const redeploy = (backupSource: BackupSource) => {
    app = Testing.app();
    const chart = newChart(app);
    source = new IvoryCluster(chart, CLUSTER, props(backupSource));
    k.apply(synthChart(chart));
  };

  /** Runs the full backup CronJob's job, as scheduled (runScheduledBackup). */
  const runBackup = () => runScheduledBackup(k, `${CLUSTER}-repo1-full`, () => primary);

  beforeAll(async () => {
    app = Testing.app();
    const chart = newChart(app);
    source = new IvoryCluster(chart, CLUSTER, props(BackupSource.STANDBY));
    k = new LocalCluster(synthChart(chart));
    primary = await boot(k, source);
    await (await k.startStatefulSetPod(`${CLUSTER}-instance1`, 1)).waitReady(300);
  });

  afterAll(async () => {
    await k?.destroy();
  });

  test('the first backup (stanza-create\'s, which the replica was created from) read the primary: no standby ran yet', async () => {
    const pod = [...k.pods.values()].find(p => p.name.startsWith(`${CLUSTER}-stanza-create-`));
    const log = pod!.logs();
    expect(log).not.toMatch(/replay on the standby/);
    expect(Object.keys(filesByHost(log))).toEqual([PRIMARY_HOST]);
  });

  test('STANDBY: the data pages come from the standby while the primary goes on taking writes; a clone restored from the backup has every row', async () => {
    await write(k, primary, 'before', 50_000);
    // Writes on the primary for as long as the backup runs: each insert must succeed.
    let backupDone = false;
    let during = 0;
    const writer = (async () => {
      while (!backupDone) {
        await write(k, primary, 'during', 200);
        during++;
      }
    })();
    const job = await runBackup().finally(() => { backupDone = true; });
    await writer;
    if (!job.succeeded) throw new Error(`the backup failed:\n${job.logs}`);
    expect(during).toBeGreaterThan(0);

    // pgBackRest started the backup on the primary and waited for the standby to replay to its start.
    expect(job.logs).toMatch(/wait for replay on the standby to reach/);
    expect(job.logs).toMatch(/replay on the standby reached/);
    const hosts = filesByHost(job.logs);
    const relations = (host: string) => (hosts[host] ?? []).filter(isRelation);
    process.stdout.write(`e2e-standby-backup: files read from the standby: ${hosts[STANDBY_HOST]?.length ?? 0} `
      + `(${relations(STANDBY_HOST).length} relation files), from the primary: ${hosts[PRIMARY_HOST]?.length ?? 0} `
      + `(${(hosts[PRIMARY_HOST] ?? []).join(', ')})\n`);
    // Every data page from the standby; only what is not replicated from the primary.
    expect(relations(STANDBY_HOST).length).toBeGreaterThan(100);
    expect(relations(PRIMARY_HOST)).toEqual([]);
    expect(Object.keys(hosts).sort()).toEqual([PRIMARY_HOST, STANDBY_HOST].sort());

    // The restore: a new cluster from the repo's newest backup (this one) and the WAL archived since.
    await archiveCurrentWal(k, primary);
    const expected = await content(k, primary);
    const { backups } = await info(k, primary);
    expect(backups.map(b => b.type)).toEqual(['full', 'full']);
    const { primary: clone } = await bootClone(k, app, e2eProps({
      repos: [BackupRepo.volume({ size: Size.gibibytes(1) })],
      restoreFrom: Restore.fromCluster(source, { repoName: 'repo1' }),
    }), 'from-standby');
    const restoreLog = k.pod(clone).logs();
    expect(restoreLog).toContain(backups[1].label);
    const restored = await content(k, clone);
    expect(restored.phases.before).toBe(50_000);
    expect(restored).toEqual(expected);
    await k.stopPod(clone);
  });

  test('negative control: with BackupSource.PRIMARY the same backup reads every data page from the primary', async () => {
    redeploy(BackupSource.PRIMARY);
    const job = await runBackup();
    if (!job.succeeded) throw new Error(`the backup failed:\n${job.logs}`);
    expect(job.logs).not.toMatch(/replay on the standby/);
    expect(Object.keys(filesByHost(job.logs))).toEqual([PRIMARY_HOST]);
  });

  test('no standby running: STANDBY fails the backup, saying so; PREFER_STANDBY falls back to the primary with a warning', async () => {
    await k.stopPod(replica);
    redeploy(BackupSource.STANDBY);
    const refused = await runBackup();
    expect(refused.succeeded).toBe(false);
    expect(refused.logs).toMatch(/unable to find standby cluster - cannot proceed/);

    redeploy(BackupSource.PREFER_STANDBY);
    const fallback = await runBackup();
    if (!fallback.succeeded) throw new Error(`the backup failed:\n${fallback.logs}`);
    expect(fallback.logs).toMatch(/WARN: unable to find a standby to perform the backup, using primary instead/);
    expect(Object.keys(filesByHost(fallback.logs))).toEqual([PRIMARY_HOST]);
    await until('the fallback backup in the repo', 60, async () => (await info(k, primary)).backups.length === 4);
  });
});
