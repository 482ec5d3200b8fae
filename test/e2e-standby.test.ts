/**
 * End-to-end, a standby cluster run by Patroni (`standby` with `highAvailability` on the standalone target): a
 * primary cluster archives to S3 (s3rver); the standby cluster `dr` (two members) reads that repo, its leader
 * created from the primary's backup and replaying its WAL (Patroni's standby_cluster), its replica streaming from
 * that leader; a streaming standby beside it (`Standby.fromHost`), and one without Patroni (a fixed primary). Then
 * the primary's site is lost and the standbys are promoted by removing `standby` from their code.
 * On IvorySQL 5.4, pgBackRest 2.58 and Patroni 4.0.7 (its DCS is etcd, README "Tests").
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { BackupRepo, CredentialSource, IvoryCluster, IvoryClusterProps, RepoCredentials, Standby, TlsCertificates } from '../src';
import { makeCa } from './e2e/harness/certs';
import { describeE2E, LocalCluster, PATRONI_PREREQUISITES } from './e2e/harness/cluster';
import { Emulators, S3RVER_KEY } from './e2e/harness/emulators';
import { Network } from './e2e/harness/network';
import { emulatorBucket } from './e2e/object-store-suite';
import { App, archiveCurrentWal, boot, content, e2eProps, newChart, synthChart, Testing, until, write } from './e2e/scenario';

const run = describeE2E(__filename, PATRONI_PREREQUISITES);
jest.setTimeout(900_000);

const S3_SECRET = 'S3RVER-standby-secret';
const DR_PODS = ['dr-instance1-0', 'dr-instance1-1'];
/** The user's Issuer of the shared CA (its key pair in the Secret `shared-ca`). */
const SHARED_ISSUER = {
  apiVersion: 'cert-manager.io/v1', kind: 'Issuer', metadata: { name: 'shared-ca', namespace: 'db' }, spec: { ca: { secretName: 'shared-ca' } },
};

run('e2e: standby clusters replaying the primary\'s S3 repo, with and without Patroni', () => {
  let app: App;
  let k: LocalCluster;
  let emulators: Emulators;
  let primary: string;
  /** The primary cluster's S3 repo, as it and the standby (with the path written out) reach it. */
  const s3 = (repoPath?: string) => BackupRepo.s3({
    ...emulatorBucket(emulators),
    credentials: RepoCredentials.s3AccessKey({
      accessKeyId: CredentialSource.fromSecret('s3-creds', 'access-key-id'),
      secretAccessKey: CredentialSource.fromSecret('s3-creds', 'secret-access-key'),
    }),
    path: repoPath,
  });
  /**
   * One CA for every cluster of the suite (an Issuer of the user's), so that a standby's replication certificate is
   * one the primary trusts, and the primary's server certificate one the standby verifies.
   */
  const standalone = { tls: TlsCertificates.certManager({ issuerName: 'shared-ca' }) };
  const drProps = (standby?: Standby, replicas = 2, patroni = true): IvoryClusterProps => e2eProps({
    instances: [{ replicas }],
    highAvailability: patroni ? {} : undefined,
    repos: [s3('/pgbackrest/db/hippo/repo1')],
    standby,
    standalone,
  });
  /** The next `cdk8s synth` of the standby's app, applied. */
  const deployDr = (standby?: Standby, name = 'dr', replicas = 2, patroni = true) => {
    app = Testing.app();
    const chart = newChart(app);
    new IvoryCluster(chart, name, drProps(standby, replicas, patroni));
    k.apply([...synthChart(chart), SHARED_ISSUER]);
  };
  /** The primary's rows when its site was lost (test 4). */
  let primaryFinal: Awaited<ReturnType<typeof content>> = { phases: {}, checksum: '' };
  const drLeader = async () => until('a leader of dr-ha', 300, () => k.dcs.leader('dr-ha'));
  const drReplica = async () => {
    const lead = await drLeader();
    return DR_PODS.find(p => p !== lead) as string;
  };

  beforeAll(async () => {
    const network = Network.create();
    emulators = new Emulators(network.gateway, fs.mkdtempSync(path.join(os.tmpdir(), 'ivory-standby-')));
    await emulators.start('s3');
    app = Testing.app();
    const chart = newChart(app);
    const source = new IvoryCluster(chart, 'hippo', e2eProps({ repos: [s3()], standalone }));
    const ca = makeCa(fs.mkdtempSync(path.join(os.tmpdir(), 'ivory-shared-ca-')), 'shared-ca');
    k = new LocalCluster([...synthChart(chart), SHARED_ISSUER], {
      secrets: {
        'shared-ca': { 'tls.crt': ca.cert, 'tls.key': ca.key, 'ca.crt': ca.cert },
        's3-creds': { 'access-key-id': S3RVER_KEY, 'secret-access-key': S3_SECRET },
        'emulator-ca': { 'ca.crt': emulators.ca.cert },
      },
      hosts: emulators.hosts,
    }, network);
    primary = await boot(k, source);
    await write(k, primary, 'before-standby');
    await archiveCurrentWal(k, primary);

    deployDr(Standby.fromRepo('repo1'));
    for (const i of [0, 1]) await (await k.startStatefulSetPod('dr-instance1', i)).waitReady(300);
  });

  afterAll(async () => {
    await k?.destroy();
    await emulators?.destroy();
  });

  test('1. the standby leader is created from the primary\'s backup and replays its WAL from the repo; its replica streams from it; nothing writes', async () => {
    const lead = await drLeader();
    const replica = await drReplica();
    const leaderLog = () => k.pod(lead).container('database').logs();
    expect(leaderLog()).toMatch(/trying to bootstrap a new standby leader[^]*replica has been created using pgbackrest/);
    await until('Patroni to say it leads the standby', 60, async () => /I am \(dr-instance1-\d\), the standby leader with the lock/.test(leaderLog()));
    // The primary's rows after the standby was made, through its archive only (no network path between them).
    await write(k, primary, 'replayed');
    await archiveCurrentWal(k, primary);
    const expected = await content(k, primary);
    for (const pod of [lead, replica]) {
      await until(`${pod} to replay the primary's WAL`, 180, async () => (await content(k, pod)).checksum === expected.checksum);
      expect(await k.psql(pod, 'select pg_is_in_recovery()')).toBe('t');
    }
    expect(await k.psql(lead, "select string_agg(application_name || ':' || state, ',') from pg_stat_replication")).toBe(`${replica}:streaming`);
    await expect(k.psql(lead, "insert into t (phase, payload) values ('x', 'x')")).rejects.toThrow(/read-only transaction/);
    // A standby takes no backups: its schedules are suspended and it creates no stanza.
    expect(k.objects('CronJob').filter(c => c.metadata.name.startsWith('dr-')).every(c => c.spec.suspend === true)).toBe(true);
    expect(k.objects('Job').some(j => j.metadata.name.startsWith('dr-stanza-create'))).toBe(false);
  });

  test('2. a streaming standby (Standby.fromHost): its leader streams from the other cluster\'s primary, rows arrive without an archived segment', async () => {
    deployDr(Standby.fromHost({ host: 'hippo-primary.db.svc.cluster.local', repoName: 'repo1' }), 'stream', 1);
    await (await k.startStatefulSetPod('stream-instance1', 0)).waitReady(300);
    const lead = await until('a leader of stream-ha', 300, () => k.dcs.leader('stream-ha'));
    await until(`${primary} to stream to ${lead}`, 120, async () =>
      (await k.psql(primary, "select string_agg(application_name || ':' || state, ',') from pg_stat_replication")) === `${lead}:streaming`);
    // No WAL switch: the rows are in a segment not yet archived, so they can only have come by streaming.
    await write(k, primary, 'streamed');
    const expected = await content(k, primary);
    await until(`${lead} to have the streamed rows`, 60, async () => (await content(k, lead)).checksum === expected.checksum);
    expect(await k.psql(lead, 'select pg_is_in_recovery()')).toBe('t');
    expect(await k.psql(lead, "select status || ' from ' || sender_host from pg_stat_wal_receiver")).toBe('streaming from hippo-primary.db.svc.cluster.local');
    await k.stopPod(lead);
  });

  test('3. without Patroni: a standby cluster\'s fixed primary replays the repo too', async () => {
    deployDr(Standby.fromRepo('repo1'), 'solo', 1, false);
    await (await k.startStatefulSetPod('solo-instance1', 0)).waitReady(300);
    expect(k.pod('solo-instance1-0').container('bootstrap').logs()).toMatch(/restore command begin .*--type=standby/);
    await write(k, primary, 'replayed-solo');
    await archiveCurrentWal(k, primary);
    const expected = await content(k, primary);
    await until('solo to replay the primary\'s WAL', 180, async () => (await content(k, 'solo-instance1-0')).checksum === expected.checksum);
    expect(await k.psql('solo-instance1-0', 'select pg_is_in_recovery()')).toBe('t');
  });

  test('4. the primary\'s site lost: removing standby from the code promotes the standby leader, which takes writes its replica follows', async () => {
    const expected = await content(k, primary);
    primaryFinal = expected;
    await k.stopPod(primary);
    const lead = await drLeader();
    await until(`${lead} to replay the primary's last WAL`, 180, async () => (await content(k, lead)).checksum === expected.checksum);
    const started = Date.now();
    deployDr(undefined);
    await until(`${lead} to be promoted`, 180, async () => (await k.psql(lead, 'select pg_is_in_recovery()')) === 'f');
    const seconds = Math.round((Date.now() - started) / 100) / 10;
    expect(k.pod(lead).container('database').logs()).toMatch(/dynamic configuration in step with/);
    await write(k, lead, 'after-promotion');
    const promoted = await content(k, lead);
    expect(promoted.phases).toEqual({ ...expected.phases, 'after-promotion': 1000 });
    const replica = await drReplica();
    await until(`${replica} to follow the promoted leader`, 180, async () => (await content(k, replica)).checksum === promoted.checksum);
    process.stdout.write(`e2e-standby: promoted ${seconds} s after the code without standby was applied\n`);
  });

  test('5. without Patroni: removing standby from the code promotes the fixed primary at its restart, after the repos\' last WAL', async () => {
    const solo = 'solo-instance1-0';
    deployDr(undefined, 'solo', 1, false);
    // The changed configuration rolls the pod (its config hash), as the StatefulSet would.
    await k.stopPod(solo);
    await (await k.startStatefulSetPod('solo-instance1', 0)).waitReady(300);
    expect(k.pod(solo).container('bootstrap').logs()).toContain('standby no longer configured: promoting this cluster');
    expect(await k.psql(solo, 'select pg_is_in_recovery()')).toBe('f');
    expect(Number(await k.psql(solo, 'select timeline_id from pg_control_checkpoint()'))).toBeGreaterThan(1);
    await write(k, solo, 'solo-after-promotion');
    // Every row the primary had, from the repos. (Its recovery follows the repos' latest timeline, here the one the
    // standby promoted in test 4 started: two clusters promoted from one repo do not stay apart.)
    const promoted = await content(k, solo);
    for (const [phase, rows] of Object.entries(primaryFinal.phases)) expect([phase, promoted.phases[phase]]).toEqual([phase, rows]);
    expect(promoted.phases['solo-after-promotion']).toBe(1000);
  });
});
