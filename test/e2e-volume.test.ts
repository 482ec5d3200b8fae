/**
 * End-to-end, volume repo: the standalone manifests run with real PostgreSQL and pgBackRest, the repo on a PVC
 * served by the repo host over pgBackRest's TLS server. Scenarios 1-7 of the end-to-end issue.
 */
import { Size } from 'cdk8s';
import {
  BackupRepo, BackupRetention, BackupSchedule, IvoryCluster, RecoveryTarget, Restore,
} from '../src';
import { describeE2E, LocalCluster } from './e2e/harness/cluster';
import {
  App, archiveCurrentWal, boot, bootClone, checkWalArchivedToVolumeRepo, content, e2eProps, info, newChart, now, pointInTimeRestore,
  runCronJob, sleep, synthChart, Testing, until, write,
} from './e2e/scenario';

const run = describeE2E(__filename);
jest.setTimeout(900_000);

run('e2e: volume repo through the repo host', () => {
  let app: App;
  let k: LocalCluster;
  let source: IvoryCluster;
  let primary: string;
  // Re-synthesizes the source cluster (same construct id) with changed props, as a user edits code and redeploys.
  let props: ReturnType<typeof e2eProps>;
  const redeploy = (changes: Partial<ReturnType<typeof e2eProps>>) => {
    props = { ...props, ...changes };
    // The next `cdk8s synth` of the user's app: a new app (within one app, a second cluster of the name is refused).
    app = Testing.app();
    const chart = newChart(app);
    source = new IvoryCluster(chart, 'hippo', props);
    k.apply(synthChart(chart));
  };

  beforeAll(async () => {
    app = Testing.app();
    props = e2eProps({
      repos: [BackupRepo.volume({
        size: Size.gibibytes(1),
        schedule: BackupSchedule.weeklyFullDailyDifferentialHourlyIncremental(),
        retention: BackupRetention.fullCount(2),
      })],
    });
    const chart = newChart(app);
    source = new IvoryCluster(chart, 'hippo', props);
    k = new LocalCluster(synthChart(chart));
    primary = await boot(k, source);
  });

  afterAll(async () => {
    await k?.destroy();
  });

  test('1. stanza-create Job; WAL archived to the repo', async () => {
    await checkWalArchivedToVolumeRepo(k, primary, 'hippo-repo1');
  });

  test('2. full, differential and incremental backups by running each CronJob', async () => {
    for (const [cron, phase] of [['hippo-repo1-full', 'full'], ['hippo-repo1-diff', 'diff'], ['hippo-repo1-incr', 'incr']]) {
      await write(k, primary, phase);
      const logs = await runCronJob(k, cron);
      expect(logs).toContain(`--type=${phase}`);
    }
    const { backups } = await info(k, primary);
    expect(backups.slice(-3).map(b => [b.type, b.repoKey])).toEqual([['full', 1], ['diff', 1], ['incr', 1]]);
    const [full, diff, incr] = backups.slice(-3);
    expect(diff.prior).toBe(full.label);
    expect(incr.prior).toBe(diff.label);
  });

  test('3. point-in-time restore into a new cluster: exactly the rows committed before the target', async () => {
    const { expected, restored, clone } = await pointInTimeRestore(k, app, source, primary, 'repo1');
    expect(restored.phases.after).toBeUndefined();
    expect(restored).toEqual(expected);
    expect(await k.psql(clone, 'select pg_is_in_recovery()')).toBe('f');
    // The clone runs with its own settings: the restore's recovery settings (which read the source's repo) are gone.
    const autoConf = await k.exec(clone, 'database', ['cat', '/pgdata/pg18/postgresql.auto.conf']);
    expect(autoConf.stdout).not.toMatch(/restore_command|recovery_target/);
    expect(await k.psql(clone, 'show archive_command')).toBe('pgbackrest --stanza=db archive-push "%p"');
    await k.stopPod(clone);
  });

  test('4. in-place delta restore after damage', async () => {
    await write(k, primary, 'precious');
    const expected = await content(k, primary);
    await sleep(1100);
    const target = await now(k, primary);
    await sleep(1100);
    await k.psql(primary, "delete from t where phase = 'precious'; update t set payload = 'damaged'");
    await archiveCurrentWal(k, primary);
    expect((await content(k, primary)).checksum).not.toBe(expected.checksum);

    redeploy({ inPlaceRestore: Restore.inPlace({ restoreId: 'incident-1', repoName: 'repo1', confirmOverwrite: true, target: RecoveryTarget.time(target) }) });
    await k.stopPod(primary);
    await (await k.startStatefulSetPod('hippo-instance1', 0)).waitReady(300);
    const bootstrap = k.pod(primary).container('bootstrap').logs();
    expect(bootstrap).toContain('in-place restore incident-1 from repo1: delta restore');
    expect(bootstrap).toMatch(/restore command begin .*--delta/);
    expect(await content(k, primary)).toEqual(expected);

    // The same restore id again is not a new restore: a restart keeps the data written since.
    await write(k, primary, 'after-restore');
    await k.stopPod(primary);
    await (await k.startStatefulSetPod('hippo-instance1', 0)).waitReady(300);
    expect(k.pod(primary).container('bootstrap').logs()).not.toContain('delta restore');
    expect((await content(k, primary)).phases['after-restore']).toBe(1000);
  });

  test('5. a replica bootstrapped from the repo catches up with the primary', async () => {
    // Take a backup on the new timeline so the replica restores from it.
    await runCronJob(k, 'hippo-repo1-full');
    redeploy({ inPlaceRestore: undefined, instances: [{ replicas: 2 }] });
    const replica = 'hippo-instance1-1';
    await (await k.startStatefulSetPod('hippo-instance1', 1)).waitReady(300);
    expect(k.pod(replica).container('bootstrap').logs()).toMatch(/restore command begin .*--type=standby/);
    await write(k, primary, 'replicated');
    const expected = await content(k, primary);
    await until('the replica to catch up', 120, async () => (await content(k, replica)).checksum === expected.checksum);
    expect(await k.psql(replica, 'select pg_is_in_recovery()')).toBe('t');
    expect(await k.psql(primary, "select usename || ':' || state from pg_stat_replication")).toBe('replicator:streaming');
    // Backups now list both instances; pgBackRest finds the primary among them.
    await runCronJob(k, 'hippo-repo1-incr');
  });

  test('6. retention keeps 2 fulls; deleting a backup by label; a newer backup is refused without force', async () => {
    await runCronJob(k, 'hippo-repo1-full');
    await runCronJob(k, 'hippo-repo1-full');
    const fulls = (await info(k, primary)).backups.filter(b => b.type === 'full');
    expect(fulls).toHaveLength(2);
    const [oldest, newest] = fulls.map(f => f.label);

    redeploy({
      backupDeletions: [
        { repoName: 'repo1', backupSet: newest, confirmDelete: true },
        { repoName: 'repo1', backupSet: oldest, confirmDelete: true },
      ],
    });
    const jobName = (label: string) => `hippo-expire-${label.toLowerCase().replace(/_/g, '-')}`;
    const refused = await k.runJob('Job', jobName(newest));
    expect(refused.succeeded).toBe(false);
    expect(refused.logs).toContain(`refusing to delete ${newest}: it is not the oldest backup of repo1 (${oldest})`);
    const deleted = await k.runJob('Job', jobName(oldest));
    expect(deleted.succeeded).toBe(true);
    const after = (await info(k, primary)).backups.map(b => b.label);
    expect(after).not.toContain(oldest);
    expect(after).toContain(newest);
    redeploy({ backupDeletions: [] });
  });

  test('7. two backup Jobs started together are serialized and both succeed', async () => {
    await write(k, primary, 'concurrent', 50_000);
    // Scheduled backups wait for the next regular checkpoint (no start-fast); do not make the test wait minutes.
    await k.psql(primary, 'checkpoint');
    const before = (await info(k, primary)).backups.length;
    const [a, b] = await Promise.all([k.startJob('CronJob', 'hippo-repo1-full'), k.startJob('CronJob', 'hippo-repo1-diff')]);
    // Each backup starts at the next checkpoint (scheduled backups do not force one): checkpoint often meanwhile.
    const checkpoints = setInterval(() => { k.psql(primary, 'checkpoint').catch(() => undefined); }, 3000);
    const [okA, okB] = await Promise.all([a.waitCompleted(600), b.waitCompleted(600)]).finally(() => clearInterval(checkpoints));
    expect([okA, okB]).toEqual([true, true]);
    const logs = a.logs() + b.logs();
    expect(logs).toContain('another pgBackRest backup of this cluster is running; retrying in 10s');
    expect((await info(k, primary)).backups.length).toBe(before + 2);
  });

  test('fault: a backup killed midway; the next one succeeds', async () => {
    await write(k, primary, 'bulk', 300_000);
    await k.psql(primary, 'checkpoint');
    const before = (await info(k, primary)).backups.map(b => b.label);
    const killed = await k.startJob('CronJob', 'hippo-repo1-full');
    await until('the backup to be copying files', 120, async () => (/backup start archive/.test(killed.logs()) ? true : undefined));
    await killed.stop(0);
    expect(killed.logs()).not.toContain('new backup label');
    expect((await info(k, primary)).backups.map(b => b.label)).toEqual(before);
    const logs = await runCronJob(k, 'hippo-repo1-full');
    expect(logs).toContain('backup command end: completed successfully');
    const label = /new backup label = (\S+)/.exec(logs)![1];
    const after = (await info(k, primary)).backups.map(b => b.label);
    expect(after[after.length - 1]).toBe(label);
    expect(before).not.toContain(label);
  });

  test('fault: a restore whose target lies beyond the end of the archive fails clearly; the source is untouched', async () => {
    await archiveCurrentWal(k, primary);
    const sourceBefore = await content(k, primary);
    const backupsBefore = (await info(k, primary)).backups.map(b => b.label);
    const future = new Date(Date.now() + 3_600_000).toISOString().replace('T', ' ').slice(0, 19) + '+00';
    const failure = await bootClone(k, app, e2eProps({
      repos: [BackupRepo.volume({ size: Size.gibibytes(1) })],
      restoreFrom: Restore.fromCluster(source, { target: RecoveryTarget.time(future) }),
    }), 'too-far').then(() => undefined, (e: Error) => e.message);
    expect(failure).toContain('init container bootstrap exited with 1');
    expect(failure).toContain('recovery ended before configured recovery target was reached');
    expect(failure).toMatch(/recovery (failed|stopped before reaching its target); see PostgreSQL's log above/);
    expect(await content(k, primary)).toEqual(sourceBefore);
    expect((await info(k, primary)).backups.map(b => b.label)).toEqual(backupsBefore);
  });

  test('a restore check Job restores the repo into a scratch volume and queries it', async () => {
    redeploy({ restoreChecks: [{ checkId: 'nightly', repoName: 'repo1', query: "select phase || '=' || count(*) from t where phase = 'bulk' group by phase" }] });
    const r = await k.runJob('Job', 'hippo-restore-check-nightly', 600);
    expect(r.succeeded).toBe(true);
    expect(r.logs).toContain('bulk=300000');
    expect(r.logs).toContain('restore check passed: repo1 is restorable');
    redeploy({ restoreChecks: [] });
  });

  test('a manual backup Job', async () => {
    redeploy({ manualBackup: { repoName: 'repo1', backupId: 'pre-upgrade' } });
    const r = await k.runJob('Job', 'hippo-backup-pre-upgrade');
    expect(r.succeeded).toBe(true);
    expect(r.logs).toMatch(/backup command begin .*--start-fast.*--type=full/);
  });
});
