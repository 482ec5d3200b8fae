/**
 * End-to-end, an in-place restore of a standalone cluster that Patroni runs, replicas and all: three members on
 * IvorySQL 5.4, pgBackRest 2.58 and Patroni 4.0.7 (its DCS is etcd, README "Tests"), damaged after a point in time,
 * then restored to it by a new `inPlaceRestore` rolled out as a StatefulSet rolls its pods (highest ordinal first,
 * each ready before the next). Every member must end with exactly the rows before the target, on a new timeline,
 * streaming from the restored leader, its data delta-restored rather than copied again.
 * The figures go to test-reports/e2e-ha-restore.json.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Size } from 'cdk8s';
import { parse } from 'yaml';
import { BackupRepo, BackupSchedule, IvoryCluster, IvoryClusterProps, RecoveryTarget, Restore } from '../src';
import { describeE2E, LocalCluster, PATRONI_PREREQUISITES } from './e2e/harness/cluster';
import {
  App, archiveCurrentWal, content, e2eProps, info, newChart, rowsAroundTarget, runScheduledBackup, stanzaJob, synthChart, Testing, until, write,
} from './e2e/scenario';

const run = describeE2E(__filename, PATRONI_PREREQUISITES);
jest.setTimeout(1_200_000);

const CLUSTER = 'hippo';
const SET = `${CLUSTER}-instance1`;
const PODS = [0, 1, 2].map(i => `${SET}-${i}`);

run('e2e: in-place restore of a Patroni cluster with its replicas', () => {
  let app: App;
  let k: LocalCluster;
  const report: { [key: string]: unknown } = {};
  const props = (inPlaceRestore?: Restore): IvoryClusterProps => e2eProps({
    instances: [{ replicas: 3 }],
    repos: [BackupRepo.volume({ size: Size.gibibytes(1), schedule: BackupSchedule.dailyFull() })],
    // Patroni's own timings: nothing here waits for a failover, and a loaded machine (two suites at once on CI) does
    // not make a leader miss its shorter retry timeout and demote itself.
    highAvailability: {},
    inPlaceRestore,
  });
  /** The next `cdk8s synth`, applied as a GitOps tool would: ConfigMaps change under running pods too. */
  const redeploy = (inPlaceRestore?: Restore) => {
    app = Testing.app();
    const chart = newChart(app);
    new IvoryCluster(chart, CLUSTER, props(inPlaceRestore));
    k.apply(synthChart(chart));
  };
  /** The Patroni scope of the manifests applied now (and the name of its leader's Service). */
  const scope = (): string => parse(k.object('ConfigMap', `${CLUSTER}-patroni-config`).data['10-cluster.yaml']).scope;
  const leader = async (s = scope()) => until(`a leader of ${s}`, 300, () => k.dcs.leader(s));
  const streaming = async (lead: string) => (await k.psql(lead,
    "select coalesce(string_agg(application_name, ',' order by application_name), '') from pg_stat_replication where state = 'streaming'"))
    .split(',').filter(Boolean);
  const allStreaming = async (s = scope()) => {
    const lead = await leader(s);
    await until('every replica streaming from the leader', 300, async () => {
      const names = await streaming(lead);
      return PODS.filter(p => p !== lead).every(p => names.includes(p)) && names;
    });
    return lead;
  };
  /** A StatefulSet's rolling update: from the highest ordinal down, each pod ready before the next is replaced. */
  const rollOut = async () => {
    for (const i of [2, 1, 0]) {
      await k.stopPod(PODS[i]);
      await (await k.startStatefulSetPod(SET, i)).waitReady(600);
    }
  };
  const log = (pod: string, container = 'database') => k.pod(pod).container(container).logs();
  /** The restore of test 1: its target is set there. */
  let restoreTarget = '';
  const incident = () => Restore.inPlace({ restoreId: 'incident-1', repoName: 'repo1', confirmOverwrite: true, target: RecoveryTarget.time(restoreTarget) });

  beforeAll(async () => {
    app = Testing.app();
    const chart = newChart(app);
    new IvoryCluster(chart, CLUSTER, props());
    k = new LocalCluster(synthChart(chart));
    await (await k.startStatefulSetPod(`${CLUSTER}-repo-host`, 0)).waitReady(60);
    const stanza = await k.startJob('Job', stanzaJob(k, CLUSTER));
    await (await k.startStatefulSetPod(SET, 0)).waitReady(300);
    if (!(await stanza.waitCompleted(300))) throw new Error(`stanza-create failed:\n${stanza.logs()}`);
    for (const i of [1, 2]) await (await k.startStatefulSetPod(SET, i)).waitReady(300);
    await allStreaming();
  });

  afterAll(async () => {
    if (Object.keys(report).length) {
      const dir = path.join(__dirname, '..', 'test-reports');
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, 'e2e-ha-restore.json'), JSON.stringify(report, undefined, 2) + '\n');
      process.stdout.write(`e2e-ha-restore: ${JSON.stringify(report)}\n`);
    }
    await k?.destroy();
  });

  test('1. restored in place to a time before the damage: every member holds exactly the rows before it, on a new timeline', async () => {
    let lead = await leader();
    await write(k, lead, 'base');
    const first = await runScheduledBackup(k, `${CLUSTER}-repo1-full`, () => leader());
    expect(first.succeeded).toBe(true);
    const { expected, target } = await rowsAroundTarget(k, lead);
    restoreTarget = target;
    await k.psql(lead, "delete from t where phase = 'before'; update t set payload = 'damaged'");
    // A backup of the damage: the newest backup is then of the timeline the restore leaves, which no replica can use.
    await archiveCurrentWal(k, lead);
    expect((await runScheduledBackup(k, `${CLUSTER}-repo1-full`, () => leader())).succeeded).toBe(true);
    // The last two fulls: before the target, and of the damage (the cluster took a first one of its own when created).
    const [beforeTarget, ofDamage] = (await info(k, lead)).backups.filter(b => b.type === 'full').map(b => b.label).slice(-2);
    const timelineBefore = Number(await k.psql(lead, 'select timeline_id from pg_control_checkpoint()'));

    redeploy(incident());
    const restoreScope = scope();
    expect(restoreScope).toMatch(/^hippo-ha-[0-9a-f]{8}$/);
    const started = Date.now();
    await rollOut();
    lead = await allStreaming(restoreScope);
    const seconds = Math.round((Date.now() - started) / 100) / 10;

    // Every member's earlier data was set aside, then delta-restored: one by the new cluster's bootstrap, the others
    // as its replicas, from the one backup in the restored timeline's history.
    for (const pod of PODS) expect(log(pod, 'prepare')).toContain('in-place restore incident-1: this member\'s data (Patroni cluster hippo-ha) is set aside');
    expect(log(lead)).toContain(`in-place restore incident-1 from repo1: creating Patroni cluster ${restoreScope}`);
    expect(log(lead)).toMatch(/restore command begin .*--delta/);
    let backupsSkipped = 0;
    for (const replica of PODS.filter(p => p !== lead)) {
      const replicaLog = log(replica);
      backupsSkipped = Math.max(backupsSkipped, replicaLog.match(/is not in the latest timeline's history: trying an older one/g)?.length ?? 0);
      expect(replicaLog).toContain('delta restore into this member\'s earlier data');
      expect(replicaLog).toContain(`backup ${ofDamage} is not in the latest timeline's history: trying an older one`);
      expect(replicaLog).toContain(`replica created from backup ${beforeTarget}`);
      expect(replicaLog).toContain('replica has been created using pgbackrest');
    }
    // The new cluster's DCS holds every member and nothing of the cluster it replaced (another scope).
    expect((await k.dcs.members(restoreScope)).map(m => m.name).sort()).toEqual(PODS);
    const timelineAfter = Number(await k.psql(lead, 'select timeline_id from pg_control_checkpoint()'));
    expect(timelineAfter).toBeGreaterThan(timelineBefore);
    expect(await content(k, lead)).toEqual(expected);
    for (const replica of PODS.filter(p => p !== lead)) {
      await until(`${replica} to hold the restored rows`, 120, async () => (await content(k, replica)).checksum === expected.checksum);
      expect(await k.psql(replica, 'select pg_is_in_recovery()')).toBe('t');
    }
    Object.assign(report, { rolloutSeconds: seconds, timelineBefore, timelineAfter, leader: lead, backupsSkipped });
  });

  test('2. afterwards: WAL of the new timeline reaches the repo, a backup succeeds, and a restart is not a new restore', async () => {
    const lead = await leader();
    await write(k, lead, 'after-restore');
    const segment = await archiveCurrentWal(k, lead);
    expect(Number.parseInt(segment.slice(0, 8), 16)).toBe(Number(await k.psql(lead, 'select timeline_id from pg_control_checkpoint()')));
    expect((await runScheduledBackup(k, `${CLUSTER}-repo1-full`, () => leader())).succeeded).toBe(true);
    const replica = PODS.find(p => p !== lead) as string;
    await k.stopPod(replica);
    await (await k.startStatefulSetPod(SET, Number(replica.slice(-1)))).waitReady(300);
    expect(log(replica, 'prepare')).not.toContain('set aside');
    expect(log(replica)).not.toContain('replica has been created');
    const expected = await content(k, lead);
    expect(expected.phases['after-restore']).toBe(1000);
    await until(`${replica} to catch up`, 120, async () => (await content(k, replica)).checksum === expected.checksum);
  });

  test('3. negative control: with the restore removed from the code, a member refuses to rejoin the state from before it', async () => {
    const lead = await leader();
    const replica = PODS.find(p => p !== lead) as string;
    redeploy(undefined);
    await k.stopPod(replica);
    await expect(k.startStatefulSetPod(SET, Number(replica.slice(-1))))
      .rejects.toThrow(/belongs to Patroni cluster hippo-ha-[0-9a-f]{8}, which an in-place restore created/);
    // Its data is untouched: with the restore back in the code it rejoins as it was.
    redeploy(incident());
    await (await k.startStatefulSetPod(SET, Number(replica.slice(-1)))).waitReady(300);
    expect(log(replica, 'prepare')).not.toContain('set aside');
    await allStreaming();
  });

  test('4. every volume lost under the restore\'s configuration (a namespace recreated): rebuilt from the repos to the end of the archive, not to the restore\'s target', async () => {
    const lead = await leader();
    await write(k, lead, 'last');
    const expected = await content(k, lead);
    await archiveCurrentWal(k, lead);
    for (const pod of [...PODS.filter(p => p !== lead), lead]) await k.stopPod(pod);
    for (const pod of PODS) fs.rmSync(k.claimDir(`ivory-data-${pod}`), { recursive: true, force: true });
    expect(await k.dcs.deletePrefix(`/service/${scope()}/`)).toBeGreaterThan(0);
    // The StatefulSet's first start: pod 0 first, each ready before the next.
    for (const i of [0, 1, 2]) await (await k.startStatefulSetPod(SET, i)).waitReady(600);
    const rebuilt = await allStreaming();
    expect(log(rebuilt)).toContain('rebuilding the cluster from the newest backup in the repos, recovering to the end of the archived WAL');
    expect(log(rebuilt)).not.toContain('creating Patroni cluster');
    expect(await content(k, rebuilt)).toEqual(expected);
  });
});
