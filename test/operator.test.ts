import { Chart, Duration, Size, Testing } from 'cdk8s';
import { Cpu } from 'cdk8s-plus-28';
import {
  BackupRepo, BackupRetention, BackupSchedule, BackupType, CaCertificate, CompressionType, CredentialSource, DatabaseMode, IvoryCluster,
  IvoryClusterProps, ManualBackupProps, OperatorSuspend, PgBackRestVersion, RecoveryTarget, RepoCredentials, RepoEncryption, Restore, S3UriStyle,
  Standby,
} from '../src';
import { hashOf, readPgBackRestIni } from './support/pgbackrest-ini';
import { checked, find, orphanedS3Repo, synth, validationMessage } from './support/synth';

const externalS3 = () => RepoCredentials.s3AccessKey({
  accessKeyId: CredentialSource.fromExternalSecret('prod/backup-s3', 'access-key-id'),
  secretAccessKey: CredentialSource.fromExternalSecret('prod/backup-s3', 'secret-access-key'),
});

describe('operator target: the IvoryCluster resource', () => {
  const manifests = synth({
    labels: { team: 'payments' },
    instances: [{ name: 'pg', replicas: 2, dataVolumeSize: Size.gibibytes(50), storageClassName: 'fast', walVolumeSize: Size.gibibytes(10), resources: { cpu: { request: Cpu.units(2) }, memory: { limit: Size.gibibytes(8) } } }],
    repos: [
      BackupRepo.volume({
        size: Size.gibibytes(200),
        storageClassName: 'retain',
        schedule: BackupSchedule.weeklyFullDailyDifferential(),
        retention: BackupRetention.fullCount(4, { differentialBackups: 7 }),
      }),
      BackupRepo.s3({
        bucket: 'acme-backups',
        region: 'eu-central-1',
        credentials: externalS3(),
        schedule: BackupSchedule.dailyFull({ hour: 3 }),
        retention: BackupRetention.fullDays(14),
        encryption: RepoEncryption.aes256Cbc(CredentialSource.fromExternalSecret('prod/backup-cipher', 'passphrase')),
      }),
    ],
    externalSecretStore: { name: 'vault', kind: 'ClusterSecretStore' },
    backupJobs: { ttlAfterFinished: Duration.hours(1), resources: { cpu: { limit: Cpu.units(4) } } },
    manualBackup: { repoName: 'repo2', backupId: 'pre-upgrade-1' },
  });
  const cr = find(manifests, 'IvoryCluster', 'hippo');
  const pgbackrest = cr.spec.backups.pgbackrest;

  test('is valid against the IVYO CRD, with unknown fields as errors', () => {
    expect(cr.apiVersion).toBe('ivory-operator.ivorysql.org/v1beta1');
    expect(cr.metadata).toMatchObject({ name: 'hippo', namespace: 'db', labels: { 'team': 'payments', 'app.kubernetes.io/managed-by': 'cdk8s-ivorysql' } });
  });

  test('uses IVYO 5.4 images and PostgreSQL 18 by default', () => {
    expect(cr.spec.postgresVersion).toBe(18);
    expect(cr.spec.image).toBe('docker.io/ivorysql/ivorysql:ubi9-5.4-5.4-1');
    expect(pgbackrest.image).toBe('docker.io/ivorysql/pgbackrest:ubi9-2.58.0-5.4-1');
  });

  test('renders instance sets with their volumes and resources', () => {
    expect(cr.spec.instances).toEqual([{
      name: 'pg',
      replicas: 2,
      dataVolumeClaimSpec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '50Gi' } }, storageClassName: 'fast' },
      walVolumeClaimSpec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '10Gi' } }, storageClassName: 'fast' },
      resources: { requests: { cpu: '2' }, limits: { memory: '8Gi' } },
    }]);
  });

  test('renders repos with their storage and schedules under IVYO names', () => {
    expect(pgbackrest.repos).toEqual([
      {
        name: 'repo1',
        volume: { volumeClaimSpec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '200Gi' } }, storageClassName: 'retain' } },
        schedules: { full: '0 1 * * 0', differential: '0 1 * * 1-6' },
      },
      {
        name: 'repo2',
        s3: { bucket: 'acme-backups', endpoint: 's3.eu-central-1.amazonaws.com', region: 'eu-central-1' },
        schedules: { full: '0 3 * * *' },
      },
    ]);
  });

  test('global carries retention, cipher type, a collision-free path and tuning, but no credential', () => {
    expect(pgbackrest.global).toMatchObject({
      'repo1-retention-full': '4',
      'repo1-retention-full-type': 'count',
      'repo1-retention-diff': '7',
      'repo2-retention-full': '14',
      'repo2-retention-full-type': 'time',
      'repo2-cipher-type': 'aes-256-cbc',
      'repo2-path': '/pgbackrest/db/hippo/repo2',
      'repo2-s3-key-type': 'shared',
      'compress-type': 'zst',
      'archive-async': 'y',
      'spool-path': '/pgdata/pgbackrest/spool',
      'process-max': '4',
    });
    // IVYO writes repo1-path (/pgbackrest/repo1), type, bucket, endpoint and region itself.
    expect(Object.keys(pgbackrest.global)).not.toEqual(expect.arrayContaining(['repo1-path', 'repo2-type', 'repo2-s3-bucket']));
    expect(Object.keys(pgbackrest.global).filter(k => /(s3-key|key-secret|cipher-pass|token|azure-key|gcs-key)$/.test(k))).toEqual([]);
  });

  test('credentials come from an ExternalSecret rendering a conf file that IVYO projects', () => {
    const es = find(manifests, 'ExternalSecret', 'hippo-pgbackrest-secrets');
    expect(es.spec.secretStoreRef).toEqual({ name: 'vault', kind: 'ClusterSecretStore' });
    expect(es.spec.target.template.data['pgbackrest-secrets.conf']).toBe(
      '[global]\nrepo2-cipher-pass={{ .repo2_cipher_pass }}\nrepo2-s3-key={{ .repo2_s3_key }}\nrepo2-s3-key-secret={{ .repo2_s3_key_secret }}\n');
    expect(es.spec.data).toEqual([
      { secretKey: 'repo2_cipher_pass', remoteRef: { key: 'prod/backup-cipher', property: 'passphrase' } },
      { secretKey: 'repo2_s3_key', remoteRef: { key: 'prod/backup-s3', property: 'access-key-id' } },
      { secretKey: 'repo2_s3_key_secret', remoteRef: { key: 'prod/backup-s3', property: 'secret-access-key' } },
    ]);
    expect(pgbackrest.configuration).toEqual([{ secret: { name: 'hippo-pgbackrest-secrets' } }]);
  });

  test('a manual backup is IVYO\'s annotation trigger with a stable id', () => {
    expect(cr.metadata.annotations).toEqual({ 'ivory-operator.ivorysql.org/pgbackrest-backup': 'pre-upgrade-1' });
    expect(pgbackrest.manual).toEqual({ repoName: 'repo2', options: ['--type=full', '--start-fast'] });
  });

  test('job settings', () => {
    expect(pgbackrest.jobs).toEqual({ resources: { limits: { cpu: '4' } }, ttlSecondsAfterFinished: 3600 });
  });

  test('snapshot', () => {
    expect(manifests).toMatchSnapshot();
  });
});

describe('operator target: pgBackRest 2.5x repo options (issue 17)', () => {
  const kmsArn = 'arn:aws:kms:eu-central-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
  const manifests = synth({
    repos: [
      BackupRepo.s3({
        bucket: 'acme-backups',
        region: 'eu-central-1',
        credentials: externalS3(),
        kmsKeyId: kmsArn,
        requesterPays: true,
        storageTags: { 'team': 'payments', 'cost-center': 'db=42' },
      }),
      BackupRepo.s3({ bucket: 'acme-sse-c', region: 'eu-central-1', credentials: externalS3(), sseCustomerKey: CredentialSource.fromExternalSecret('prod/backup-sse-c', 'key') }),
      BackupRepo.gcs({
        bucket: 'acme-gcs',
        credentials: RepoCredentials.gcsWorkloadIdentity({ googleServiceAccount: 'backup@acme-prod.iam.gserviceaccount.com' }),
        userProject: 'acme-billing',
        storageTags: { team: 'payments' },
      }),
    ],
    externalSecretStore: { name: 'vault', kind: 'ClusterSecretStore' },
  });
  const pgbackrest = find(manifests, 'IvoryCluster', 'hippo').spec.backups.pgbackrest;

  test('single-valued options go through global', () => {
    expect(pgbackrest.global).toEqual(expect.objectContaining({
      'repo1-s3-kms-key-id': kmsArn, 'repo1-s3-requester-pays': 'y', 'repo3-gcs-user-project': 'acme-billing',
    }));
    expect(Object.keys(pgbackrest.global).filter(k => /storage-tag|sse-customer|repo2-s3-kms/.test(k))).toEqual([]);
  });

  test('storage tags, one line each, in a ConfigMap conf file that configuration projects beside IVYO\'s own (global is a map)', () => {
    const conf = find(manifests, 'ConfigMap', 'hippo-pgbackrest-storage-tags').data['pgbackrest-storage-tags.conf'];
    const global = readPgBackRestIni(conf).global;
    expect(Object.keys(global).sort()).toEqual(['repo1-storage-tag', 'repo3-storage-tag']);
    expect(hashOf(global['repo1-storage-tag'])).toEqual({ 'team': 'payments', 'cost-center': 'db=42' });
    expect(hashOf(global['repo3-storage-tag'])).toEqual({ team: 'payments' });
    expect(pgbackrest.configuration).toContainEqual(
      { configMap: { name: 'hippo-pgbackrest-storage-tags', items: [{ key: 'pgbackrest-storage-tags.conf', path: 'pgbackrest-storage-tags.conf' }] } });
  });

  test('the SSE-C key is a secure option: the ExternalSecret renders it into the conf file IVYO projects', () => {
    const es = find(manifests, 'ExternalSecret', 'hippo-pgbackrest-secrets');
    expect(es.spec.target.template.data['pgbackrest-secrets.conf']).toContain('repo2-s3-sse-customer-key={{ .repo2_s3_sse_customer_key }}\n');
    expect(es.spec.data).toContainEqual({ secretKey: 'repo2_s3_sse_customer_key', remoteRef: { key: 'prod/backup-sse-c', property: 'key' } });
  });

  test('an SSE-C key from a plain Secret is refused: IVYO reads credentials only from conf files', () => {
    const m = validationMessage(() => synth({
      repos: [BackupRepo.s3({ bucket: 'acme-sse-c', region: 'eu-central-1', credentials: externalS3(), sseCustomerKey: CredentialSource.fromSecret('s3-sse-c', 'key') })],
      externalSecretStore: { name: 'vault' },
    }));
    expect(m).toMatch(/repos\[0\]\.sseCustomerKey: "CredentialSource\.fromSecret\(\\"s3-sse-c\\", \\"key\\"\)": the operator target cannot pass a Secret value to pgBackRest/);
  });

  test('a clone reads its source with requester pays, and writes no tags there', () => {
    const source = BackupRepo.s3({
      name: 'repo1',
      bucket: 'old-backups',
      region: 'eu-central-1',
      path: '/pgbackrest/prod/hippo/repo1',
      credentials: RepoCredentials.fromConfSecret('hippo-s3-creds', 's3.conf'),
      requesterPays: true,
      storageTags: { team: 'payments' },
    });
    const clone = synth({ repos: [BackupRepo.volume({ size: Size.gibibytes(1) })], restoreFrom: Restore.fromRepo(source) });
    const dataSource = find(clone, 'IvoryCluster', 'hippo').spec.dataSource.pgbackrest;
    expect(dataSource.global['repo1-s3-requester-pays']).toBe('y');
    expect(clone.filter(m => m.kind === 'ConfigMap')).toEqual([]);
  });
});

describe('operator target: suspended schedules (issue 17)', () => {
  const repos = () => [
    BackupRepo.volume({ size: Size.gibibytes(10), schedule: BackupSchedule.weeklyFullDailyDifferential().withSuspended(true) }),
    BackupRepo.volume({ size: Size.gibibytes(10), schedule: BackupSchedule.dailyFull({ hour: 3 }) }),
  ];

  test('refused by default, saying what IVYO can do: leaving the schedules out, which deletes its CronJobs', () => {
    const m = validationMessage(() => synth({ repos: repos() }));
    expect(m).toContain('repos[0].schedule.suspended: true: IVYO cannot suspend a schedule: repos[].schedules has no suspend field');
    expect(m).toContain('set backupPlan.operatorSuspend: OperatorSuspend.OMIT_SCHEDULES');
  });

  test('with OperatorSuspend.OMIT_SCHEDULES the suspended repo has no schedules in the CR; the plan and its report keep them', () => {
    const chart = Testing.chart();
    const cluster = new IvoryCluster(chart, 'hippo', { namespace: 'db', repos: repos(), backupPlan: { operatorSuspend: OperatorSuspend.OMIT_SCHEDULES } });
    const manifests = checked(chart);
    const specRepos = find(manifests, 'IvoryCluster', 'hippo').spec.backups.pgbackrest.repos;
    expect(specRepos[0].schedules).toBeUndefined();
    expect(specRepos[1].schedules).toEqual({ full: '0 3 * * *' });
    expect(cluster.planAnalysis.toMarkdown()).toContain('IVYO has no suspend, so they are left out of the IvoryCluster: IVYO deletes their CronJobs and recreates them once the schedules are resumed');
    const late = find(manifests, 'PrometheusRule').spec.groups[0].rules.filter((r: any) => r.alert === 'IvoryBackupLate').map((r: any) => r.labels.repo);
    expect(late).toEqual(['repo2']);
  });

  test('an unknown policy is refused', () => {
    expect(validationMessage(() => synth({ repos: repos(), backupPlan: { operatorSuspend: 'pause' as OperatorSuspend } })))
      .toContain('backupPlan.operatorSuspend: "pause": must be one of refuse, omit-schedules');
  });
});

describe('operator target: restores, clones and standbys', () => {
  test('an in-place point-in-time restore: restore spec, annotation and IVYO-quoted options', () => {
    const [cr] = synth({
      repos: [BackupRepo.volume({ size: Size.gibibytes(10) })],
      inPlaceRestore: Restore.inPlace({
        restoreId: 'incident-42',
        repoName: 'repo1',
        confirmOverwrite: true,
        target: RecoveryTarget.time('2026-11-26T13:15:11Z', { exclusive: true }),
        options: ['--db-include=app'],
      }),
    });
    expect(cr.metadata.annotations['ivory-operator.ivorysql.org/pgbackrest-restore']).toBe('incident-42');
    expect(cr.spec.backups.pgbackrest.restore).toEqual({
      enabled: true,
      repoName: 'repo1',
      options: ['--type=time', '--target="2026-11-26 13:15:11+00"', '--target-exclusive', '--db-include=app'],
    });
  });

  test.each([
    [RecoveryTarget.transactionId('123456'), ['--type=xid', '--target=123456']],
    [RecoveryTarget.lsn('0/3000028'), ['--type=lsn', '--target=0/3000028']],
    [RecoveryTarget.restorePoint('before-migration'), ['--type=name', '--target=before-migration']],
    [RecoveryTarget.immediate(), ['--type=immediate']],
    [RecoveryTarget.fromBackupSet('20261101-010000F'), ['--type=immediate', '--set=20261101-010000F']],
    [RecoveryTarget.time('2026-11-26 14:15:11.25-04:00', { backupSet: '20261101-010000F', timeline: 'current' }),
      ['--type=time', '--target="2026-11-26 14:15:11.25-04:00"', '--target-timeline=current', '--set=20261101-010000F']],
  ])('typed recovery targets render pgBackRest options: %j', (target, options) => {
    const [cr] = synth({
      repos: [BackupRepo.volume({ size: Size.gibibytes(10) })],
      inPlaceRestore: Restore.inPlace({ restoreId: 'r1', repoName: 'repo1', confirmOverwrite: true, target }),
    });
    expect(cr.spec.backups.pgbackrest.restore.options).toEqual(options);
  });

  test('a clone from another cluster across namespaces', () => {
    const app = Testing.app();
    const staging = new Chart(app, 'staging', { namespace: 'staging' });
    const source = new IvoryCluster(new Chart(app, 'prod', { namespace: 'prod' }), 'hippo', {
      repos: [BackupRepo.volume({ size: Size.gibibytes(10) }), BackupRepo.s3({ bucket: 'backups', region: 'us-east-1', credentials: externalS3() })],
      externalSecretStore: { name: 'vault' },
    });
    new IvoryCluster(staging, 'hippo-clone', {
      repos: [BackupRepo.volume({ size: Size.gibibytes(10) })],
      restoreFrom: Restore.fromCluster(source, { repoName: 'repo2', target: RecoveryTarget.time('2026-11-26 12:00:00+00') }),
    });
    const clone = find(checked(staging), 'IvoryCluster', 'hippo-clone');
    expect(clone.spec.dataSource).toEqual({
      ivoryCluster: {
        clusterName: 'hippo',
        clusterNamespace: 'prod',
        repoName: 'repo2',
        options: ['--type=time', '--target="2026-11-26 12:00:00+00"'],
      },
    });
  });

  test('a cloud repo without a cluster: dataSource.pgbackrest carries the repo, its path, encryption and credentials', () => {
    const oldRepo = BackupRepo.gcs({
      bucket: 'old-backups',
      path: '/pgbackrest/prod/hippo/repo1',
      credentials: RepoCredentials.gcsServiceAccountKey(CredentialSource.fromSecret('gcs-key', 'key.json')),
      encryption: RepoEncryption.aes256Cbc(CredentialSource.fromConfSecret('old-cipher', 'cipher.conf')),
    });
    const [cr] = synth({
      repos: [BackupRepo.volume({ size: Size.gibibytes(10) })],
      restoreFrom: Restore.fromRepo(oldRepo, { stanza: 'db', target: RecoveryTarget.endOfArchive() }),
    });
    expect(cr.spec.dataSource.pgbackrest).toEqual({
      stanza: 'db',
      // Unnamed, the source is repo1 (IVYO's restore Job reads only dataSource.pgbackrest, so it cannot clash with
      // the new cluster's own repo1).
      repo: { name: 'repo1', gcs: { bucket: 'old-backups' } },
      global: expect.objectContaining({
        'repo1-path': '/pgbackrest/prod/hippo/repo1',
        'repo1-gcs-key-type': 'service',
        'repo1-gcs-key': '/etc/pgbackrest/conf.d/repo1-gcs-key.json',
        'repo1-cipher-type': 'aes-256-cbc',
      }),
      configuration: [
        { secret: { name: 'old-cipher', items: [{ key: 'cipher.conf', path: 'old-cipher-cipher.conf' }] } },
        { secret: { name: 'gcs-key', items: [{ key: 'key.json', path: 'repo1-gcs-key.json' }] } },
      ],
      options: ['--type=default'],
    });
  });

  test('a repo without a cluster keeps the name given, so its conf-file Secret (repo1-s3-key) matches', () => {
    const source = orphanedS3Repo();
    const cr = find(synth({
      repos: [BackupRepo.volume({ size: Size.gibibytes(10) }), BackupRepo.s3({ name: 'repo2', bucket: 'new-backups', region: 'eu-central-1', credentials: externalS3() })],
      externalSecretStore: { name: 'vault' },
      pgbackrestOptions: { 'repo1-retention-full': '9' },
      restoreFrom: Restore.fromRepo(source),
    }), 'IvoryCluster');
    const ds = cr.spec.dataSource.pgbackrest;
    expect(ds.repo).toEqual({ name: 'repo1', s3: { bucket: 'old-backups', endpoint: 's3.eu-central-1.amazonaws.com', region: 'eu-central-1' } });
    expect(ds.global['repo1-path']).toBe('/pgbackrest/prod/hippo/repo1');
    // The user's options for the cluster's own repo1 are not the source's; its own ExternalSecret is not projected.
    expect(ds.global['repo1-retention-full']).toBeUndefined();
    expect(Object.keys(ds.global).filter(o => /^repo[2-9]/.test(o))).toEqual([]);
    expect(ds.configuration).toEqual([{ secret: { name: 'hippo-s3-creds', items: [{ key: 's3.conf', path: 'hippo-s3-creds-s3.conf' }] } }]);
    expect(cr.spec.backups.pgbackrest.global['repo1-retention-full']).toBe('9');
  });

  test('a repo without a cluster with external credentials: an ExternalSecret of its own, under its own name', () => {
    const manifests = synth({
      repos: [BackupRepo.s3({ bucket: 'new-backups', region: 'eu-central-1', credentials: externalS3() })],
      externalSecretStore: { name: 'vault' },
      restoreFrom: Restore.fromRepo(BackupRepo.s3({ name: 'repo1', bucket: 'old-backups', region: 'eu-central-1', path: '/pgbackrest/prod/hippo/repo1', credentials: externalS3() })),
    });
    const own = find(manifests, 'ExternalSecret', 'hippo-pgbackrest-secrets');
    const restore = find(manifests, 'ExternalSecret', 'hippo-restore-secrets');
    expect(own.spec.data.map((d: any) => d.secretKey)).toEqual(['repo1_s3_key', 'repo1_s3_key_secret']);
    expect(restore.spec.data.map((d: any) => d.secretKey)).toEqual(['repo1_s3_key', 'repo1_s3_key_secret']);
    const cr = find(manifests, 'IvoryCluster', 'hippo');
    expect(cr.spec.dataSource.pgbackrest.configuration).toEqual([{ secret: { name: 'hippo-restore-secrets' } }]);
    expect(cr.spec.backups.pgbackrest.configuration).toEqual([{ secret: { name: 'hippo-pgbackrest-secrets' } }]);
  });

  test('a standby that would read its own, empty location is refused with the fix', () => {
    const s3 = (path?: string) => BackupRepo.s3({ bucket: 'primary-backups', region: 'us-east-1', path, credentials: RepoCredentials.fromConfSecret('s3', 's3.conf'), name: 'repo1' });
    expect(() => synth({ repos: [s3()], standby: Standby.fromRepo('repo1') }))
      .toThrow(/standby\.repoName: "repo1": repos\[0\] has no path, so it is this cluster's own, empty location \(\/pgbackrest\/db\/hippo\/repo1\); give repos\[0\] the path the primary cluster's repo writes to/);
    expect(() => synth({ repos: [BackupRepo.volume({ size: Size.gibibytes(1) })], standby: Standby.fromHost({ host: 'primary.example', repoName: 'repo1' }) }))
      .toThrow(/standby\.repoName: "repo1": is a volume repo \(repos\[0\]\): this cluster's own, new volume/);
    expect(() => synth({ repos: [s3('/pgbackrest/db/hippo/repo1')], standby: Standby.fromRepo('repo1') })).not.toThrow();
  });

  test('a standby fed from a repo', () => {
    const [cr] = synth({ repos: [BackupRepo.s3({ bucket: 'primary-backups', region: 'us-east-1', path: '/pgbackrest/prod/hippo/repo1', credentials: RepoCredentials.s3WebIdentity({ roleArn: 'arn:aws:iam::123456789012:role/pgbackrest' }) })], standby: Standby.fromRepo('repo1') });
    expect(cr.spec.standby).toEqual({ enabled: true, repoName: 'repo1' });
    // IRSA: IVYO copies spec.metadata onto its ServiceAccounts.
    expect(cr.spec.metadata.annotations).toEqual({ 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/pgbackrest' });
    expect(cr.spec.backups.pgbackrest.global['repo1-s3-key-type']).toBe('web-id');
  });

  test('S3-compatible stores: endpoint, path style, port, private CA and TLS verification', () => {
    const [cr] = synth({
      repos: [BackupRepo.s3({
        bucket: 'pgbr',
        region: 'us-east-1',
        endpoint: 'minio.storage.svc',
        uriStyle: S3UriStyle.PATH,
        port: 9000,
        verifyTls: false,
        caCertificate: CaCertificate.fromConfigMap('minio-ca', 'ca.crt'),
        credentials: RepoCredentials.fromConfSecret('minio-creds', 's3.conf'),
        name: 'repo1',
      })],
    });
    const pgbackrest = cr.spec.backups.pgbackrest;
    expect(pgbackrest.repos[0].s3).toEqual({ bucket: 'pgbr', endpoint: 'minio.storage.svc', region: 'us-east-1' });
    expect(pgbackrest.global).toMatchObject({
      'repo1-s3-uri-style': 'path',
      'repo1-storage-port': '9000',
      'repo1-storage-verify-tls': 'n',
      'repo1-storage-ca-file': '/etc/pgbackrest/conf.d/repo1-ca.crt',
    });
    expect(pgbackrest.configuration).toEqual([
      { secret: { name: 'minio-creds', items: [{ key: 's3.conf', path: 'minio-creds-s3.conf' }] } },
      { configMap: { name: 'minio-ca', items: [{ key: 'ca.crt', path: 'repo1-ca.crt' }] } },
    ]);
  });

  test('tuning follows the pgBackRest version: no block incremental before 2.46', () => {
    const [older] = synth({ pgbackrestVersion: PgBackRestVersion.of('2.45'), repos: [BackupRepo.volume({ size: Size.gibibytes(1) })] });
    const [newer] = synth({ repos: [BackupRepo.volume({ size: Size.gibibytes(1) })] });
    expect(older.spec.backups.pgbackrest.global['repo1-block']).toBeUndefined();
    expect(older.spec.backups.pgbackrest.global['repo1-bundle']).toBe('y');
    expect(newer.spec.backups.pgbackrest.global['repo1-block']).toBe('y');
  });

  test('user options win over generated ones, tuning can be turned back to pgBackRest defaults', () => {
    const [cr] = synth({
      repos: [BackupRepo.volume({ size: Size.gibibytes(1) })],
      tuning: { compressType: CompressionType.GZ, archiveAsync: false, processMax: 1 },
      pgbackrestOptions: { 'compress-level': '9', 'repo1-retention-full': '3' },
    });
    expect(cr.spec.backups.pgbackrest.global).toEqual({
      'archive-timeout': '300',
      'compress-type': 'gz',
      'compress-level': '9',
      'process-max': '1',
      'repo1-bundle': 'y',
      'repo1-block': 'y',
      'repo1-retention-full': '3',
    });
  });

  test('wal_compression goes to Patroni: pglz on the default image (built without lz4), lz4 where the image has it, on before PostgreSQL 15, off when asked', () => {
    const walCompression = (props: Partial<IvoryClusterProps>) => {
      const [cr] = synth({ repos: [BackupRepo.volume({ size: Size.gibibytes(1) })], ...props } as IvoryClusterProps);
      return cr.spec.patroni.dynamicConfiguration.postgresql.parameters.wal_compression;
    };
    expect(walCompression({})).toBe('pglz');
    expect(walCompression({ image: 'registry.example/ivorysql:lz4', imageBuild: { lz4: true } })).toBe('lz4');
    expect(walCompression({ postgresVersion: 14, image: 'registry.example/ivorysql:pg14' })).toBe('on');
    expect(walCompression({ tuning: { walCompression: 'off' } })).toBe('off');
  });

  test('Oracle-compatible mode is IVYO\'s own: nothing to preload from here, and plain PostgreSQL mode is refused with the reason', () => {
    const [cr] = synth({ repos: [BackupRepo.volume({ size: Size.gibibytes(1) })] });
    expect(cr.spec.patroni.dynamicConfiguration.postgresql.parameters.shared_preload_libraries).toBeUndefined();
    expect(() => synth({ repos: [BackupRepo.volume({ size: Size.gibibytes(1) })], databaseMode: DatabaseMode.POSTGRESQL }))
      .toThrow(/databaseMode: "DatabaseMode.POSTGRESQL": IVYO initializes every cluster in Oracle-compatible mode/);
  });

  test('a backup id defaults to a hash of what the backup is', () => {
    const backup = (props: ManualBackupProps) =>
      new IvoryCluster(Testing.chart(), 'hippo', { repos: [BackupRepo.volume({ size: Size.gibibytes(1) })] }).addManualBackup('before-upgrade', props);
    const a = backup({ repoName: 'repo1', backupType: BackupType.DIFFERENTIAL });
    const b = backup({ repoName: 'repo1', backupType: BackupType.DIFFERENTIAL });
    const c = backup({ repoName: 'repo1', backupType: BackupType.FULL });
    expect(a.backupId).toMatch(/^[0-9a-f]{10}$/);
    expect(a.backupId).toBe(b.backupId);
    expect(a.backupId).not.toBe(c.backupId);
  });
});

test('repo host settings', () => {
  const [cr] = synth({
    repos: [BackupRepo.volume({ size: Size.gibibytes(10) })],
    repoHost: { resources: { cpu: { request: Cpu.millis(250) }, memory: { limit: Size.gibibytes(1) } }, priorityClassName: 'backups' },
  });
  expect(cr.spec.backups.pgbackrest.repoHost).toEqual({ resources: { requests: { cpu: '250m' }, limits: { memory: '1Gi' } }, priorityClassName: 'backups' });
});
