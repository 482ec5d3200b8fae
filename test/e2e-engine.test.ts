/**
 * End-to-end, the engine as the images carry it (IvorySQL 5.4, pgBackRest 2.58) and each container as Kubernetes
 * runs it: what a stand-in engine or a sandbox with a reaper as PID 1 would hide. Each proof has its negative
 * control: the manifests broken in the one place the proof depends on, which must fail it for the reason given.
 */
import { Duration } from 'cdk8s';
import { IvoryCluster, IvoryClusterProps } from '../src';
import { describeE2E } from './e2e/harness/cluster';
import {
  archiveCurrentWal, boot, checkWalArchivedToVolumeRepo, instanceTemplate, sleep, stanzaJob, synthVolumeCluster as synth, withCluster, until, write,
} from './e2e/scenario';

const run = describeE2E(__filename);
jest.setTimeout(900_000);

/** What PostgreSQL logs when it takes an orphan's exit for a crash and restarts every backend. */
const CRASH_RESTART = /untracked child process|terminating any other active server processes|all server processes terminated; reinitializing/;

/**
 * Scenario 1 after a failed asynchronous archive-push: the primary starts before the stanza exists (as it does when
 * everything is applied at once), so pgBackRest's detached worker fails; then the stanza-create Job runs and WAL
 * must reach the repo, and the database must never have restarted.
 */
async function scenarioOneAfterFailedPush(manifests: any[], cluster: IvoryCluster): Promise<void> {
  await withCluster(manifests, async k => {
    const primary = await boot(k, cluster, { stanza: false });
    await write(k, primary, 'before-stanza');
    await k.psql(primary, 'select pg_switch_wal()');
    // A crash restart resets pg_stat_archiver and may end the archiver before it reports: the log says either.
    await until('a failed archive-push', 120, async () => /archive command failed|untracked child process/.test(k.pod(primary).container('database').logs()));
    // The worker's exit reaches whichever process is its parent now: give it time to be noticed.
    await sleep(5000);
    const stanza = await k.runJob('Job', stanzaJob(k, cluster.clusterName), 300);
    if (!stanza.succeeded) throw new Error(`stanza-create failed:\n${stanza.logs}`);
    await checkWalArchivedToVolumeRepo(k, primary, 'hippo-repo1', 120);
    const log = k.pod(primary).container('database').logs();
    const crash = log.split('\n').filter(l => CRASH_RESTART.test(l));
    if (crash.length) throw new Error(`the database restarted after a failed archive-push:\n${crash.join('\n')}`);
  });
}

run('e2e: the real engine, run as Kubernetes runs containers', () => {
  test('IvorySQL 5.4 in Oracle-compatible mode, as with IVYO: the libraries preloaded, Oracle syntax available', async () => {
    const { cluster, manifests } = synth();
    await withCluster(manifests, async k => {
      const primary = await boot(k, cluster);
      expect(await k.psql(primary, 'select version()')).toMatch(/^PostgreSQL 18\.\d+ \(IvorySQL 5\.4\)/);
      expect(await k.psql(primary, 'show shared_preload_libraries')).toBe('gb18030_2022, liboracle_parser, ivorysql_ora');
      expect(await k.psql(primary, 'show ivorysql.database_mode')).toBe('oracle');
      expect(await k.psql(primary, 'select current_user')).toBe('ivorysql');
      expect(await k.psql(primary, 'show wal_compression')).toBe('pglz');
      expect(await k.psql(primary, "set ivorysql.compatible_mode = oracle; select 'dual:' || dummy from dual")).toBe('dual:X');
    });
  });

  test('negative control: without the rendered preload (a config_file that replaces initdb\'s), Oracle mode is off', async () => {
    const { cluster, manifests } = synth();
    const conf = manifests.find(m => m.kind === 'ConfigMap' && m.metadata.name === 'hippo-config').data;
    expect(conf['postgresql.conf']).toMatch(/^shared_preload_libraries = .*\n/m);
    conf['postgresql.conf'] = conf['postgresql.conf'].replace(/^shared_preload_libraries = .*\n/m, '');
    await withCluster(manifests, async k => {
      const primary = await boot(k, cluster);
      await expect(k.psql(primary, "set ivorysql.compatible_mode = oracle; select 'dual:' || dummy from dual")).rejects.toThrow(/liboracle_parser not found/);
    });
  });

  test('a failed asynchronous archive-push does not restart the database: the pod shares its process namespace', async () => {
    const { cluster, manifests } = synth();
    expect(instanceTemplate(manifests).spec.shareProcessNamespace).toBe(true);
    await scenarioOneAfterFailedPush(manifests, cluster);
  });

  test('negative control: with the postmaster as PID 1 and no reaper, the failed push restarts the database', async () => {
    const { cluster, manifests } = synth();
    const spec = instanceTemplate(manifests).spec;
    delete spec.shareProcessNamespace;
    // The postmaster itself as the container's command (the supervisor, as PID 1, would reap the orphan instead).
    const database = spec.containers.find((c: any) => c.name === 'database');
    database.command = ['postgres', ...database.command.slice(5)];
    expect(database.command[1]).toBe('-D');
    await expect(scenarioOneAfterFailedPush(manifests, cluster)).rejects.toThrow(/untracked child process/);
  });

  test('any uid works, with no passwd entry in the image (OpenShift): nss_wrapper names it, the superuser is ivorysql', async () => {
    const uid = 1000650000;
    const { cluster, manifests } = synth({ standalone: { runAsUser: uid, fsGroup: uid } });
    expect(instanceTemplate(manifests).spec.securityContext).toMatchObject({ runAsUser: uid, runAsGroup: uid, fsGroup: uid });
    await withCluster(manifests, async k => {
      const primary = await boot(k, cluster);
      await checkWalArchivedToVolumeRepo(k, primary, 'hippo-repo1');
      expect(await k.psql(primary, 'select current_user')).toBe('ivorysql');
      expect((await k.exec(primary, 'database', ['id', '-u'])).stdout.trim()).toBe(String(uid));
    });
  });

  test('negative control: an arbitrary uid without nss_wrapper cannot initdb', async () => {
    const { cluster, manifests } = synth({ standalone: { runAsUser: 1000650000, fsGroup: 1000650000 } });
    const bootstrap = instanceTemplate(manifests).spec.initContainers[0];
    const before = bootstrap.env.length;
    bootstrap.env = bootstrap.env.filter((e: any) => e.name !== 'LD_PRELOAD');
    expect(bootstrap.env.length).toBe(before - 1);
    bootstrap.command[3] = bootstrap.command[3].replace(/^nss_wrapper_setup$/m, ':');
    await expect(withCluster(manifests, k => boot(k, cluster, { stanza: false }))).rejects.toThrow(/could not look up effective user ID 1000650000/);
  });

  describe('a backup that starts while WAL archiving lags', () => {
    /**
     * Freezes the repo host (the primary's archive-push then waits on it), starts a full backup (its repo is local
     * to the Job) and thaws the repo host after `lagSeconds`, so the segment the backup needs arrives that late.
     */
    async function backupDuringArchiveLag(props: Partial<IvoryClusterProps>, lagSeconds: number) {
      const { cluster, manifests } = synth(props);
      return withCluster(manifests, async k => {
        const primary = await boot(k, cluster);
        await archiveCurrentWal(k, primary);
        const repoHost = k.pod('hippo-repo-host-0');
        repoHost.freeze();
        await write(k, primary, 'during-lag');
        const started = Date.now();
        const job = await k.startJob('CronJob', 'hippo-repo1-full');
        await sleep(lagSeconds * 1000);
        repoHost.thaw();
        const succeeded = await job.waitCompleted(600);
        return { succeeded, seconds: (Date.now() - started) / 1000, logs: job.logs() };
      });
    }

    test('archiving 75 s behind (more than pgBackRest\'s default 60 s archive-timeout): the backup waits and succeeds', async () => {
      const r = await backupDuringArchiveLag({}, 75);
      if (!r.succeeded) throw new Error(`the backup failed:\n${r.logs}`);
      expect(r.seconds).toBeGreaterThan(75);
    });

    test('negative control: with archive-timeout at pgBackRest\'s 60 s, it fails, and its log says why and where to look', async () => {
      const r = await backupDuringArchiveLag({ tuning: { archiveTimeout: Duration.seconds(60) } }, 75);
      expect(r.succeeded).toBe(false);
      expect(r.logs).toMatch(/ERROR: \[082\]: WAL segment \w+ was not archived before the 60000ms timeout/);
      expect(r.logs).toContain('--- why this backup failed');
      expect(r.logs).toMatch(/WAL segment \w+ did not reach the repo within archive-timeout \(60000ms timeout\)/);
      expect(r.logs).toContain("psql -c 'select * from pg_stat_archiver'");
      expect(r.logs).toMatch(/repo1: wal archive min\/max \(18\): \w+\/\w+/);
    });
  });
});

