import { spawn, spawnSync } from 'child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { Chart, Duration, Size, Testing } from 'cdk8s';
import { Cpu } from 'cdk8s-plus-28';
import { parse } from 'yaml';
import {
  BackupPlanAnalysis, BackupRepo, BackupRetention, BackupSchedule, BackupType, CaCertificate, ClientAccess, CredentialSource, DatabaseMode,
  DeploymentTarget, InstanceSpread, IvoryCluster, IvoryClusterProps, RecoveryTarget, RepoCredentials, RepoEncryption, Restore, S3UriStyle,
  SpreadRule, Standby, TlsCertificates, VolumeAccessMode,
} from '../src';
import { hashOf, readPgBackRestIni } from './support/pgbackrest-ini';
import { all, find, orphanedS3Repo, synth, validationMessage } from './support/synth';
import { CHECK_REPOS_FUNCTION, DATABASE_SCRIPT, EXPIRE_OLDEST_SCRIPT, EXPIRE_SCRIPT, PGBACKREST_SERVER_SCRIPT } from '../src/private/standalone/scripts';

const s3 = () => BackupRepo.s3({
  bucket: 'acme-backups',
  region: 'eu-central-1',
  endpoint: 'minio.storage.svc',
  uriStyle: S3UriStyle.PATH,
  port: 9000,
  caCertificate: CaCertificate.fromSecret('minio-ca', 'ca.crt'),
  credentials: RepoCredentials.s3AccessKey({
    accessKeyId: CredentialSource.fromSecret('s3-creds', 'access-key-id'),
    secretAccessKey: CredentialSource.fromSecret('s3-creds', 'secret-access-key'),
  }),
  schedule: BackupSchedule.dailyFull({ hour: 3 }),
  retention: BackupRetention.fullCount(7),
  encryption: RepoEncryption.aes256Cbc(CredentialSource.fromSecret('pgbackrest-cipher', 'passphrase')),
});

/** A one-repo standalone cluster with more props. */
const synthStandalone = (props: Partial<IvoryClusterProps>) => synth({
  target: DeploymentTarget.STANDALONE, repos: [BackupRepo.volume({ size: Size.gibibytes(10) })], ...props,
} as IvoryClusterProps);

describe('standalone target: a PVC repo and an S3 repo', () => {
  const manifests = synth({
    target: DeploymentTarget.STANDALONE,
    instances: [{ replicas: 2, dataVolumeSize: Size.gibibytes(20) }],
    repos: [
      BackupRepo.volume({
        size: Size.gibibytes(100), schedule: BackupSchedule.weeklyFullDailyDifferentialHourlyIncremental(), retention: BackupRetention.fullCount(2),
      }),
      s3(),
    ],
    backupJobs: { lockWait: Duration.minutes(45) },
    manualBackup: { repoName: 'repo2', backupId: 'before-upgrade' },
    backupDeletions: [{ repoName: 'repo1', backupSet: '20261101-010000F', confirmDelete: true }],
  });
  const config = find(manifests, 'ConfigMap', 'hippo-pgbackrest-config').data;

  test('synthesizes every object, each valid against the Kubernetes schemas', () => {
    const names = manifests.map(m => `${m.kind}/${m.metadata.name}`).sort();
    expect(names).toEqual([
      'Certificate/hippo-ca', 'Certificate/hippo-pgbackrest-tls', 'Certificate/hippo-postgres-tls', 'Certificate/hippo-replication-tls',
      'ConfigMap/hippo-config', 'ConfigMap/hippo-exporter-queries-config', 'ConfigMap/hippo-pgbackrest-config',
      'CronJob/hippo-repo1-diff', 'CronJob/hippo-repo1-full', 'CronJob/hippo-repo1-incr', 'CronJob/hippo-repo2-full',
      'Issuer/hippo-ca', 'Issuer/hippo-selfsigned',
      'Job/hippo-backup-before-upgrade', 'Job/hippo-expire-20261101-010000f', expect.stringMatching(/^Job\/hippo-stanza-create-[0-9a-f]{8}$/),
      'NetworkPolicy/hippo-backup-jobs', 'NetworkPolicy/hippo-instances', 'NetworkPolicy/hippo-repo-host',
      'PersistentVolumeClaim/hippo-repo1',
      'PodDisruptionBudget/hippo-instance1',
      'PodMonitor/hippo-exporter',
      'PrometheusRule/hippo-backups',
      'Service/hippo-pods', 'Service/hippo-primary',
      'ServiceAccount/hippo-instance', 'ServiceAccount/hippo-pgbackrest',
      'StatefulSet/hippo-instance1', 'StatefulSet/hippo-repo-host',
    ]);
  });

  test('the instance config archives to every repo: the volume repo through the repo host, S3 directly', () => {
    const ini = config['pgbackrest_instance.conf'];
    expect(ini).toContain('repo1-host = hippo-repo-host-0.hippo-pods.db.svc.cluster.local\n');
    expect(ini).toContain('repo1-host-type = tls\n');
    expect(ini).toContain('repo2-type = s3\nrepo2-storage-ca-file = /etc/pgbackrest/conf.d/repo2-ca.crt\n'.split('\n')[0]);
    expect(ini).toMatch(/repo2-path = \/pgbackrest\/db\/hippo\/repo2\n/);
    expect(ini).toMatch(/repo2-s3-uri-style = path\n/);
    expect(ini).toMatch(/repo2-cipher-type = aes-256-cbc\n/);
    expect(ini).toMatch(/archive-async = y\n/);
    expect(ini).toMatch(/spool-path = \/pgdata\/pgbackrest\/spool\n/);
    expect(ini).toMatch(/\[db\]\npg-version-force = 18\npg1-path = \/pgdata\/pg18\npg1-port = 5432\npg1-socket-path = \/tmp\/postgres\n/);
    expect(ini).not.toMatch(/s3-key =|cipher-pass/);
  });

  test('the job config reaches every instance over TLS and has the repos local', () => {
    const ini = config['pgbackrest_job.conf'];
    expect(ini).toContain('pg1-host = hippo-instance1-0.hippo-pods.db.svc.cluster.local\n');
    expect(ini).toContain('pg2-host = hippo-instance1-1.hippo-pods.db.svc.cluster.local\n');
    expect(ini).toContain('repo1-path = /pgbackrest/repo1\n');
    expect(ini).not.toContain('repo1-host');
  });

  test('the repo host config serves only the volume repo', () => {
    const ini = config['pgbackrest_repo.conf'];
    expect(ini).toContain('repo1-path = /pgbackrest/repo1\n');
    expect(ini).not.toContain('repo2');
    expect(config['pgbackrest-server.conf']).toContain('tls-server-auth = hippo-pgbackrest=db\n');
  });

  test('postgres archives with archive-push (no --repo: every repo) and restores with archive-get', () => {
    const conf = find(manifests, 'ConfigMap', 'hippo-config').data['postgresql.conf'];
    expect(conf).toContain('archive_mode = on\n');
    expect(conf).toContain('archive_command = \'pgbackrest --stanza=db archive-push "%p"\'\n');
    expect(conf).toContain('restore_command = \'pgbackrest --stanza=db archive-get %f "%p"\'\n');
    // Less WAL to write, archive and replay: pglz, as IVYO 5.4's image is built without lz4.
    expect(conf).toContain("wal_compression = 'pglz'\n");
  });

  test('Oracle-compatible mode by default: initdb -m oracle and what it writes to ivorysql.conf, rendered in the config PostgreSQL starts with', () => {
    const conf = find(manifests, 'ConfigMap', 'hippo-config').data['postgresql.conf'];
    expect(conf).toContain("shared_preload_libraries = 'gb18030_2022, liboracle_parser, ivorysql_ora'\n");
    expect(conf).toContain("ivorysql.enable_emptystring_to_NULL = 'on'\n");
    const bootstrap = find(manifests, 'StatefulSet', 'hippo-instance1').spec.template.spec.initContainers[0];
    expect(bootstrap.env).toContainEqual({ name: 'INITDB_OPTIONS', value: '--dbmode=oracle' });
  });

  test('plain PostgreSQL mode: initdb -m pg, nothing of IvorySQL\'s preloaded', () => {
    const pg = synthStandalone({ databaseMode: DatabaseMode.POSTGRESQL });
    const conf = find(pg, 'ConfigMap', 'hippo-config').data['postgresql.conf'];
    expect(conf).not.toContain('shared_preload_libraries');
    expect(find(pg, 'StatefulSet', 'hippo-instance1').spec.template.spec.initContainers[0].env).toContainEqual({ name: 'INITDB_OPTIONS', value: '--dbmode=pg' });
  });

  test('instance pods share their process namespace (the pause container reaps pgBackRest\'s detached workers) and run as the images\' uid', () => {
    const pod = find(manifests, 'StatefulSet', 'hippo-instance1').spec.template.spec;
    expect(pod.shareProcessNamespace).toBe(true);
    expect(pod.securityContext).toMatchObject({ runAsUser: 998, runAsGroup: 998, fsGroup: 998, runAsNonRoot: true });
    // Any uid gets a passwd entry through nss_wrapper, in every IvorySQL container, so the superuser is ivorysql.
    for (const c of [...pod.initContainers, pod.containers.find((x: any) => x.name === 'database')]) {
      expect(c.env).toEqual(expect.arrayContaining([
        { name: 'SUPERUSER', value: 'ivorysql' }, { name: 'LD_PRELOAD', value: 'libnss_wrapper.so' },
        { name: 'NSS_WRAPPER_PASSWD', value: '/tmp/nss_wrapper/passwd' }, { name: 'NSS_WRAPPER_GROUP', value: '/tmp/nss_wrapper/group' },
      ]));
    }
    expect(config['pgbackrest_instance.conf']).toContain('pg1-user = ivorysql\n');
    const platform = find(synthStandalone({ standalone: { userFromPlatform: true } }), 'StatefulSet', 'hippo-instance1').spec.template.spec;
    expect(platform.securityContext).toEqual({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
  });

  test('one CronJob per repo and type: Forbid, history limits, deadlines, and a lock-waiting command', () => {
    const cron = find(manifests, 'CronJob', 'hippo-repo1-incr');
    expect(cron.spec).toMatchObject({
      schedule: '30 0,2-23 * * *',
      concurrencyPolicy: 'Forbid',
      suspend: false,
      startingDeadlineSeconds: 1800,
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 1,
    });
    const job = cron.spec.jobTemplate.spec;
    expect(job.activeDeadlineSeconds).toBe(43200);
    const c = job.template.spec.containers[0];
    expect(c.command.slice(0, 3)).toEqual(['bash', '-ceu', '--']);
    expect(c.command[3]).toContain('run_when_unlocked pgbackrest --stanza=db backup "$@"');
    expect(c.command.slice(4)).toEqual(['repo1-incr', '--repo=1', '--type=incr']);
    expect(c.env).toContainEqual({ name: 'LOCK_WAIT_SECONDS', value: '2700' });
    // A ReadWriteOnce repo: the Job runs on the repo host's node and mounts the claim.
    expect(job.template.spec.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey).toBe('kubernetes.io/hostname');
    expect(c.volumeMounts).toContainEqual({ name: 'repo1', mountPath: '/pgbackrest/repo1' });
  });

  test('an S3 backup Job needs no volume and gets credentials from Secrets as environment', () => {
    const c = find(manifests, 'CronJob', 'hippo-repo2-full').spec.jobTemplate.spec.template.spec;
    expect(c.affinity).toBeUndefined();
    expect(c.containers[0].env).toEqual(expect.arrayContaining([
      { name: 'PGBACKREST_REPO2_S3_KEY', valueFrom: { secretKeyRef: { name: 's3-creds', key: 'access-key-id' } } },
      { name: 'PGBACKREST_REPO2_S3_KEY_SECRET', valueFrom: { secretKeyRef: { name: 's3-creds', key: 'secret-access-key' } } },
      { name: 'PGBACKREST_REPO2_CIPHER_PASS', valueFrom: { secretKeyRef: { name: 'pgbackrest-cipher', key: 'passphrase' } } },
    ]));
  });

  test('the repo volume outlives the cluster: its own object, kept by Argo CD, Flux and Helm', () => {
    const pvc = find(manifests, 'PersistentVolumeClaim', 'hippo-repo1');
    expect(pvc.metadata.annotations).toEqual({
      'argocd.argoproj.io/sync-options': 'Prune=false,Delete=false',
      'kustomize.toolkit.fluxcd.io/prune': 'disabled',
      'helm.sh/resource-policy': 'keep',
    });
    expect(pvc.metadata.ownerReferences).toBeUndefined();
    expect(find(manifests, 'StatefulSet', 'hippo-instance1').spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: 'Retain', whenScaled: 'Retain' });
  });

  test('instances: bootstrap init container, postgres, and pgBackRest\'s TLS server', () => {
    const sts = find(manifests, 'StatefulSet', 'hippo-instance1');
    const pod = sts.spec.template.spec;
    expect(pod.initContainers.map((c: any) => c.name)).toEqual(['bootstrap']);
    expect(pod.containers.map((c: any) => c.name)).toEqual(['database', 'pgbackrest', 'exporter']);
    // Each server runs under the supervisor (fast stop on SIGTERM, SIGHUP when its certificates change).
    expect(pod.containers[0].command.slice(0, 3)).toEqual(['bash', '-ceu', '--']);
    expect(pod.containers[0].command[3]).toBe(`${DATABASE_SCRIPT.trim()}\n`);
    expect(pod.containers[0].command.slice(4)).toEqual(['database', '-D', '/pgdata/pg18', '-c', 'config_file=/etc/ivorysql/config/postgresql.conf', '-c', 'cluster_name=$(POD_NAME)']);
    expect(pod.containers[1].command[3]).toBe(`${PGBACKREST_SERVER_SCRIPT.trim()}\n`);
    expect(pod.serviceAccountName).toBe('hippo-instance');
    expect(sts.spec.replicas).toBe(2);
  });

  test('manual backup and deletion Jobs', () => {
    const manual = find(manifests, 'Job', 'hippo-backup-before-upgrade');
    expect(manual.spec.template.spec.containers[0].command.slice(4)).toEqual(['manual-backup', '--repo=2', '--type=full', '--start-fast']);
    const expire = find(manifests, 'Job', 'hippo-expire-20261101-010000f').spec.template.spec.containers[0];
    expect(expire.env).toEqual(expect.arrayContaining([{ name: 'REPO', value: '1' }, { name: 'BACKUP_SET', value: '20261101-010000F' }, { name: 'FORCE', value: 'n' }]));
  });

  test('no Role is needed: no pod talks to the Kubernetes API, and none mounts a token', () => {
    expect(all(manifests, 'Role')).toEqual([]);
    expect(all(manifests, 'ServiceAccount').every(sa => sa.automountServiceAccountToken === false)).toBe(true);
  });

  test('NetworkPolicies admit backups to the TLS servers only from backup Jobs', () => {
    const np = find(manifests, 'NetworkPolicy', 'hippo-instances');
    expect(np.spec.ingress[1]).toEqual({
      from: [{ podSelector: { matchLabels: { 'ivory-operator.ivorysql.org/cluster': 'hippo', 'ivory-operator.ivorysql.org/pgbackrest': '', 'ivory-operator.ivorysql.org/pgbackrest-job': '' } } }],
      ports: [{ protocol: 'TCP', port: 8432 }],
    });
  });

  test('snapshot', () => {
    expect(manifests).toMatchSnapshot();
  });
});

describe('standalone target: pgBackRest 2.5x repo options (issue 17)', () => {
  const kmsArn = 'arn:aws:kms:eu-central-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
  const accessKey = () => RepoCredentials.s3AccessKey({
    accessKeyId: CredentialSource.fromSecret('s3-creds', 'access-key-id'),
    secretAccessKey: CredentialSource.fromSecret('s3-creds', 'secret-access-key'),
  });
  const manifests = synth({
    target: DeploymentTarget.STANDALONE,
    repos: [
      BackupRepo.s3({
        bucket: 'acme-backups',
        region: 'eu-central-1',
        credentials: accessKey(),
        kmsKeyId: kmsArn,
        requesterPays: true,
        storageTags: { 'team': 'payments', 'cost-center': 'db=42' },
        schedule: BackupSchedule.dailyFull(),
      }),
      BackupRepo.s3({ bucket: 'acme-sse-c', region: 'eu-central-1', credentials: accessKey(), sseCustomerKey: CredentialSource.fromSecret('s3-sse-c', 'key') }),
      BackupRepo.gcs({
        bucket: 'acme-gcs',
        credentials: RepoCredentials.gcsWorkloadIdentity({ googleServiceAccount: 'backup@acme-prod.iam.gserviceaccount.com' }),
        userProject: 'acme-billing',
        storageTags: { team: 'payments' },
      }),
    ],
  });
  const config = find(manifests, 'ConfigMap', 'hippo-pgbackrest-config').data;

  test('every conf file that reaches the repos has the options, as pgBackRest reads them: tags one line each, a hash', () => {
    for (const key of ['pgbackrest_instance.conf', 'pgbackrest_job.conf']) {
      const global = readPgBackRestIni(config[key]).global;
      expect(global['repo1-s3-kms-key-id']).toEqual([kmsArn]);
      expect(global['repo1-s3-requester-pays']).toEqual(['y']);
      expect(hashOf(global['repo1-storage-tag'])).toEqual({ 'team': 'payments', 'cost-center': 'db=42' });
      expect(global['repo3-gcs-user-project']).toEqual(['acme-billing']);
      expect(hashOf(global['repo3-storage-tag'])).toEqual({ team: 'payments' });
      expect(config[key]).toContain('repo1-storage-tag = cost-center=db=42\nrepo1-storage-tag = team=payments\n');
      // Secure: never in a conf file the library writes; no option of a repo that does not ask for it.
      expect(config[key]).not.toMatch(/sse-customer-key|repo2-s3-kms|repo2-s3-requester|repo2-storage-tag/);
    }
  });

  test('negative control: one line holding two tags would be read by pgBackRest as one tag', () => {
    const global = readPgBackRestIni('[global]\nrepo1-storage-tag = team=payments:cost-center=db\n').global;
    expect(hashOf(global['repo1-storage-tag'])).not.toEqual({ 'team': 'payments', 'cost-center': 'db' });
    expect(hashOf(global['repo1-storage-tag'])).toEqual({ team: 'payments:cost-center=db' });
  });

  test('the SSE-C key reaches pgBackRest as an environment variable from its Secret, in Jobs and instances', () => {
    const sseC = { name: 'PGBACKREST_REPO2_S3_SSE_CUSTOMER_KEY', valueFrom: { secretKeyRef: { name: 's3-sse-c', key: 'key' } } };
    expect(find(manifests, 'CronJob', 'hippo-repo1-full').spec.jobTemplate.spec.template.spec.containers[0].env).toContainEqual(sseC);
    const instance = find(manifests, 'StatefulSet', 'hippo-instance1').spec.template.spec;
    expect([...instance.initContainers, ...instance.containers].some((c: any) => (c.env ?? []).some((e: any) => e.name === sseC.name))).toBe(true);
  });

  test('a restore source is read with requester pays and its SSE-C key, and without its tags: nothing is written to it', () => {
    const source = BackupRepo.s3({
      bucket: 'old-backups',
      region: 'eu-central-1',
      path: '/pgbackrest/prod/hippo/repo1',
      credentials: RepoCredentials.s3InstanceRole(),
      requesterPays: true,
      storageTags: { team: 'payments' },
      sseCustomerKey: CredentialSource.fromSecret('old-sse-c', 'key'),
    });
    const restored = synthStandalone({ restoreFrom: Restore.fromRepo(source) });
    const global = readPgBackRestIni(find(restored, 'ConfigMap', 'hippo-pgbackrest-config').data['pgbackrest_restore.conf']).global;
    const index = Object.keys(global).find(k => k.endsWith('-s3-bucket'))!.replace(/-s3-bucket$/, '');
    expect(global[`${index}-s3-requester-pays`]).toEqual(['y']);
    expect(Object.keys(global).filter(k => k.includes('storage-tag'))).toEqual([]);
    const init = find(restored, 'StatefulSet', 'hippo-instance1').spec.template.spec.initContainers[0];
    expect(init.env).toContainEqual({ name: `PGBACKREST_${index.toUpperCase()}_S3_SSE_CUSTOMER_KEY`, valueFrom: { secretKeyRef: { name: 'old-sse-c', key: 'key' } } });
  });
});

describe('standalone target: suspended schedules (issue 17)', () => {
  const repos = (suspended: boolean) => [
    BackupRepo.volume({ size: Size.gibibytes(10), schedule: BackupSchedule.weeklyFullDailyDifferential().withSuspended(suspended) }),
    BackupRepo.s3({
      bucket: 'acme-backups', region: 'eu-central-1', credentials: RepoCredentials.s3InstanceRole(), schedule: BackupSchedule.dailyFull({ hour: 3 }),
    }),
  ];
  const clusterOf = (suspended: boolean) => {
    const chart = Testing.chart();
    const cluster = new IvoryCluster(chart, 'hippo', { namespace: 'db', target: DeploymentTarget.STANDALONE, repos: repos(suspended) });
    return { cluster, manifests: Testing.synth(chart) };
  };
  const { cluster, manifests } = clusterOf(true);
  const lateAlerts = (m: any[]) => find(m, 'PrometheusRule').spec.groups[0].rules.filter((r: any) => r.alert === 'IvoryBackupLate').map((r: any) => `${r.labels.repo} ${r.labels.type}`);

  test('the suspended repo\'s CronJobs are kept with suspend: true; the other repo\'s run', () => {
    expect(find(manifests, 'CronJob', 'hippo-repo1-full').spec).toMatchObject({ schedule: '0 1 * * 0', suspend: true });
    expect(find(manifests, 'CronJob', 'hippo-repo1-diff').spec).toMatchObject({ schedule: '0 1 * * 1-6', suspend: true });
    expect(find(manifests, 'CronJob', 'hippo-repo2-full').spec.suspend).toBe(false);
  });

  test('no IvoryBackupLate for a suspended schedule; negative control: the same plan resumed has them', () => {
    expect(lateAlerts(manifests)).toEqual(['repo2 full']);
    expect(cluster.planAnalysis.alertThresholds.map(a => a.repoName)).toEqual(['repo2']);
    expect(lateAlerts(clusterOf(false).manifests)).toEqual(['repo1 full', 'repo1 diff', 'repo2 full']);
  });

  test('the plan is kept: the report marks the schedules suspended, the summary says so, collisions are still checked', () => {
    const md = cluster.planAnalysis.toMarkdown();
    expect(md).toContain('**Suspended: repo1.** No backup starts from these schedules until they are resumed; their CronJobs are kept with `suspend: true`.');
    expect(md).toMatch(/\| repo1 \| full \| `0 1 \* \* 0` \| \*\*suspended\*\*, no backup starts \(At 01:00, only on Sunday\) \|/);
    expect(md).toMatch(/\| repo2 \| full \| `0 3 \* \* \*` \| At 03:00 \|/);
    expect(md).toContain('The suspended schedules (repo1) have no `IvoryBackupLate` until they are resumed.');
    const summary = cluster.planAnalysis.repoSummaries[0];
    expect(summary.schedulesSuspended).toBe(true);
    expect(summary.notes.join(' ')).toContain('Schedules suspended: no backup starts until they are resumed');
    expect(summary.fullBackups.max).toBeGreaterThan(0);
    expect(cluster.planAnalysis.toSvg()).toContain('<text class="lane-label suspended"');
    // Resuming must be safe: a suspended schedule that would collide is still refused.
    const m = validationMessage(() => synthStandalone({
      repos: [BackupRepo.volume({ size: Size.gibibytes(1), schedule: new BackupSchedule({ full: '0 1 * * *', incremental: '0 1 * * *', suspended: true }) })],
    }));
    expect(m).toContain('repos[0].schedule.incremental: "0 1 * * *": starts at the same minute as repos[0].schedule.full');
  });

  test('every way to copy a schedule keeps its suspension', () => {
    const s = new BackupSchedule({ full: '0 1 * * 0', timeZone: 'Europe/Berlin', suspended: true });
    expect(s.withCron(BackupType.INCREMENTAL, '30 2 * * *')).toMatchObject({ suspended: true, full: '0 1 * * 0', incremental: '30 2 * * *' });
    expect(s.withSuspended(false)).toMatchObject({ suspended: false, full: '0 1 * * 0', timeZone: 'Europe/Berlin' });
    expect(BackupSchedule.dailyFull().suspended).toBe(false);
    const staggered = BackupPlanAnalysis.stagger([BackupRepo.volume({ size: Size.gibibytes(1), schedule: s }),
      BackupRepo.volume({ size: Size.gibibytes(1), schedule: new BackupSchedule({ full: '0 1 * * 0', timeZone: 'Europe/Berlin' }) })]);
    expect(staggered.repos.map(r => r.schedule?.suspended)).toEqual([true, false]);
  });
});

describe('standalone target: deleting the oldest full backup with expire --oldest (issue 17)', () => {
  const manifests = synthStandalone({
    backupJobs: { ttlAfterFinished: Duration.hours(1) },
    backupDeletions: [
      { repoName: 'repo1', oldest: true, confirmDelete: true },
      { repoName: 'repo1', backupSet: '20261101-010000F', confirmDelete: true },
    ],
  });

  test('a Job of its own running EXPIRE_OLDEST_SCRIPT, kept once finished; a --set Job keeps the TTL and its script', () => {
    const oldest = find(manifests, 'Job', 'hippo-expire-repo1-oldest');
    expect(oldest.spec.ttlSecondsAfterFinished).toBeUndefined();
    const container = oldest.spec.template.spec.containers[0];
    expect(container.command.slice(0, 3)).toEqual(['bash', '-ceu', '--']);
    expect(container.command[3]).toBe(`${EXPIRE_OLDEST_SCRIPT.trim()}\n`);
    expect(container.env.filter((e: any) => ['REPO', 'BACKUP_SET', 'FORCE'].includes(e.name))).toEqual([{ name: 'REPO', value: '1' }]);
    const set = find(manifests, 'Job', 'hippo-expire-20261101-010000f');
    expect(set.spec.ttlSecondsAfterFinished).toBe(3600);
    expect(set.spec.template.spec.containers[0].command[3]).toBe(`${EXPIRE_SCRIPT.trim()}\n`);
  });

  describe('the script, run by bash against a stand-in pgbackrest', () => {
    const run = (labels: string[], expireDeletes = true) => {
      const dir = mkdtempSync(join(tmpdir(), 'expire-oldest-'));
      writeFileSync(join(dir, 'state'), labels.join('\n'));
      // info prints the labels as pgbackrest info --output=json does (oldest first); expire --oldest drops the oldest
      // full and its dependents, as pgBackRest does with one full fewer retained.
      writeFileSync(join(dir, 'pgbackrest'), `#!/bin/bash
echo "$*" >> "${dir}/calls"
case "$*" in
  *" info --output=json") printf '[{"backup":['; sed 's/.*/{"label":"&"},/' "${dir}/state" | tr -d '\\n'; printf ']}]\\n' ;;
  *" expire --oldest") if [ "${expireDeletes ? 'y' : 'n'}" = y ]; then o=$(grep -m1 'F$' "${dir}/state"); grep -v "^$o" "${dir}/state" > "${dir}/s"; mv "${dir}/s" "${dir}/state"; fi ;;
esac
`);
      chmodSync(join(dir, 'pgbackrest'), 0o755);
      const r = spawnSync('bash', ['-ceu', '--', EXPIRE_OLDEST_SCRIPT.trim(), 'expire'], {
        env: { PATH: `${dir}:/usr/bin:/bin`, REPO: '1' }, encoding: 'utf8',
      });
      const calls = readFileSync(join(dir, 'calls'), 'utf8').trim().split('\n');
      const left = readFileSync(join(dir, 'state'), 'utf8').split('\n').filter(Boolean);
      rmSync(dir, { recursive: true, force: true });
      return { status: r.status, out: r.stdout, err: r.stderr, calls, left };
    };
    const full1 = '20261101-010000F';
    const incr1 = '20261101-010000F_20261102-010000I';
    const full2 = '20261108-010000F';

    test('two fulls: says what goes, runs expire --oldest on the repo, and checks the full is gone', () => {
      const r = run([full1, incr1, full2]);
      expect(r.status).toBe(0);
      expect(r.out).toContain(`deleting the oldest full backup of repo1 and the backups that depend on it: ${full1} ${incr1}`);
      expect(r.calls).toContain('--stanza=db --repo=1 expire --oldest');
      expect(r.left).toEqual([full2]);
    });

    test('negative controls: one full is refused before pgBackRest runs; a full still there afterwards fails the Job', () => {
      const single = run([full1, incr1]);
      expect(single.status).toBe(1);
      expect(single.err).toContain('repo1 holds 1 full backup(s): pgbackrest expire --oldest deletes the oldest full only while a newer one remains');
      expect(single.calls.filter(c => c.includes('expire'))).toEqual([]);
      const kept = run([full1, full2], false);
      expect(kept.status).toBe(1);
      expect(kept.err).toContain(`backup ${full1} is still in repo1 after expire --oldest`);
    });
  });
});

describe('standalone target: an empty data volume under the primary', () => {
  /** Runs CHECK_REPOS_FUNCTION with a stand-in pgbackrest whose `info` prints `info` and exits with `code`. */
  const check = (info: string, options: { code?: number; optIn?: boolean } = {}) => {
    const dir = mkdtempSync(join(tmpdir(), 'check-repos-'));
    writeFileSync(join(dir, 'info.json'), info);
    writeFileSync(join(dir, 'pgbackrest'), `#!/bin/bash\necho "$*" >> "${dir}/calls"\ncat "${dir}/info.json"\nexit ${options.code ?? 0}\n`);
    chmodSync(join(dir, 'pgbackrest'), 0o755);
    const script = `${CHECK_REPOS_FUNCTION}\nrebuild=n\ncheck_repos_before_create\necho "rebuild=$rebuild"\n`;
    const r = spawnSync('bash', ['-ceu', '--', script, 'bootstrap'], {
      env: { PATH: `${dir}:/usr/bin:/bin`, ...(options.optIn ? { INITDB_OVER_EXISTING_STANZA: 'y' } : {}) },
      encoding: 'utf8',
      // A socket as stdin (Node's default pipe) makes bash source bash.bashrc, as if run by rshd.
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const calls = readFileSync(join(dir, 'calls'), 'utf8').trim();
    rmSync(dir, { recursive: true, force: true });
    return { status: r.status, out: r.stdout, err: r.stderr, calls };
  };
  // pgBackRest 2.58's info --output=json, as it prints it, with one status per repo.
  const repo = (key: number, code: number, message: string) => `{"cipher":"none","key":${key},"status":{"code":${code},"message":"${message}"}}`;
  const info = (...repos: string[]) => `[{"archive":[],"backup":[],"cipher":"none","db":[],"name":"db","repo":[${repos.join(',')}],`
    + '"status":{"code":4,"lock":{"backup":{"held":false},"restore":{"held":false}},"message":"different across repos"}}]';

  test('no repo has the stanza: a new cluster, created as configured', () => {
    const r = check(info(repo(1, 1, 'missing stanza path'), repo(2, 1, 'missing stanza path')));
    expect(r).toMatchObject({ status: 0, out: 'rebuild=n\n', err: '' });
    expect(r.calls).toBe('--stanza=db info --output=json');
  });

  test('a repo has backups: the primary is rebuilt from the repos', () => {
    const r = check(info(repo(1, 1, 'missing stanza path'), repo(2, 0, 'ok')));
    expect(r.status).toBe(0);
    expect(r.out).toBe('the data volume is empty and this cluster\'s stanza has backups in repo2\nrebuild=y\n');
  });

  test('a repo cannot be read, or info fails: the container fails, naming the repo and its reason, and creates nothing', () => {
    const unreadable = check(info(repo(1, 99, '[HostConnectError] unable to connect to \'hippo-repo-host-0.hippo-pods:8432\''), repo(2, 1, 'missing stanza path')));
    expect(unreadable.status).toBe(1);
    expect(unreadable.out).not.toContain('rebuild=');
    expect(unreadable.err).toContain('whether the repos hold this cluster\'s data is unknown: cannot read repo1 ([HostConnectError] unable to connect');
    const failed = check('ERROR: [029]: unable to load info file', { code: 29 });
    expect(failed.status).toBe(1);
    expect(failed.err).toContain('cannot read (pgbackrest info failed: ERROR: [029]: unable to load info file)');
  });

  test('a repo has the stanza and no backup: the container fails, saying what to do', () => {
    const r = check(info(repo(1, 2, 'no valid backups')));
    expect(r.status).toBe(1);
    expect(r.err).toContain('this cluster\'s stanza exists in repo1 (no valid backups), with no backup to restore from');
    expect(r.err).toContain('set standalone.initdbOverExistingStanza to create a new, empty database anyway');
  });

  test('standalone.initdbOverExistingStanza: a warning, then the database as configured; rendered only when set', () => {
    const r = check(info(repo(1, 0, 'ok')), { optIn: true });
    expect(r.status).toBe(0);
    expect(r.err).toContain('WARNING: standalone.initdbOverExistingStanza is set: creating the database as configured anyway, NOT from the repos');
    expect(r.out).toBe('rebuild=n\n');
    const bootstrapEnv = (m: any[]) => find(m, 'StatefulSet', 'hippo-instance1').spec.template.spec.initContainers[0].env;
    expect(bootstrapEnv(synthStandalone({ standalone: { initdbOverExistingStanza: true } }))).toContainEqual({ name: 'INITDB_OVER_EXISTING_STANZA', value: 'y' });
    expect(bootstrapEnv(synthStandalone({})).map((e: any) => e.name)).not.toContain('INITDB_OVER_EXISTING_STANZA');
    expect(validationMessage(() => synthStandalone({ standalone: { initdbOverExistingStanza: 'yes' as any } })))
      .toContain('standalone.initdbOverExistingStanza');
  });
});

describe('standalone target: the servers\' life cycle', () => {
  const manifests = synthStandalone({ instances: [{ replicas: 2, sharedMemorySize: Size.mebibytes(512) }] });
  const pod = find(manifests, 'StatefulSet', 'hippo-instance1').spec.template.spec;
  const database = pod.containers.find((c: any) => c.name === 'database');
  const server = pod.containers.find((c: any) => c.name === 'pgbackrest');

  test('SIGTERM is a fast shutdown (SIGINT to the postmaster) within a 60 s grace; the certificates are watched', () => {
    expect(pod.terminationGracePeriodSeconds).toBe(60);
    expect(database.env).toEqual(expect.arrayContaining([
      { name: 'STOP_SIGNAL', value: 'INT' },
      { name: 'WATCH_SECONDS', value: '10' },
      { name: 'WATCH_FILES', value: ['/etc/ivorysql/tls', '/etc/ivorysql/replication'].flatMap(d => ['ca.crt', 'tls.crt', 'tls.key'].map(f => `${d}/${f}`)).join(' ') },
    ]));
    expect(server.env).toEqual(expect.arrayContaining([
      { name: 'STOP_SIGNAL', value: 'TERM' },
      { name: 'WATCH_FILES', value: '/etc/pgbackrest/tls/ca.crt /etc/pgbackrest/tls/tls.crt /etc/pgbackrest/tls/tls.key' },
    ]));
    const repoHost = find(synthStandalone({}), 'StatefulSet', 'hippo-repo-host').spec.template.spec.containers[0];
    expect(repoHost.command[3]).toBe(`${PGBACKREST_SERVER_SCRIPT.trim()}\n`);
    expect(repoHost.readinessProbe).toEqual({ exec: { command: ['pgbackrest', 'server-ping'] }, periodSeconds: 10 });
  });

  test('probes: startup and liveness need an answer from the postmaster (recovery is not killed), readiness needs connections', () => {
    const answers = { exec: { command: ['bash', '-c', 'pg_isready -q -h /tmp/postgres -p 5432; [ $? -le 1 ]'] } };
    expect(database.startupProbe).toEqual({ ...answers, periodSeconds: 5, failureThreshold: 60, timeoutSeconds: 5 });
    expect(database.livenessProbe).toEqual({ ...answers, periodSeconds: 10, failureThreshold: 6, timeoutSeconds: 5 });
    expect(database.readinessProbe).toEqual({ exec: { command: ['pg_isready', '-q', '-h', '/tmp/postgres', '-p', '5432'] }, periodSeconds: 5, failureThreshold: 3, timeoutSeconds: 5 });
  });

  test('/dev/shm: a memory-backed emptyDir of the given size (1 GiB by default) in the database container only', () => {
    expect(pod.volumes).toContainEqual({ name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: '512Mi' } });
    expect(database.volumeMounts).toContainEqual({ name: 'dshm', mountPath: '/dev/shm' });
    expect(pod.containers.filter((c: any) => c.volumeMounts.some((m: any) => m.name === 'dshm')).map((c: any) => c.name)).toEqual(['database']);
    const byDefault = find(synthStandalone({}), 'StatefulSet', 'hippo-instance1').spec.template.spec.volumes;
    expect(byDefault).toContainEqual({ name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: '1Gi' } });
  });

  test('/dev/shm: refused below 64 MiB, above the memory limit, and with the operator target', () => {
    expect(validationMessage(() => synthStandalone({ instances: [{ sharedMemorySize: Size.mebibytes(32) }] })))
      .toContain('instances[0].sharedMemorySize');
    expect(validationMessage(() => synthStandalone({ instances: [{ sharedMemorySize: Size.gibibytes(4) }] })))
      .toContain('must not exceed the database container\'s memory limit (2048 MiB)');
    const over = validationMessage(() => synthStandalone({
      instances: [{ sharedMemorySize: Size.gibibytes(4), resources: { memory: { limit: Size.gibibytes(2) } } }],
    }));
    expect(over).toContain('must not exceed the database container\'s memory limit (2048 MiB)');
    const operator = validationMessage(() => synth({
      repos: [BackupRepo.volume({ size: Size.gibibytes(10) })], instances: [{ sharedMemorySize: Size.gibibytes(1) }],
    }));
    expect(operator).toContain('instances[0].sharedMemorySize');
    expect(operator).toContain('is for the standalone target only: IVYO mounts a /dev/shm of its own');
  });

  describe('the supervisor, run by bash around a stand-in server', () => {
    /** A server that records the signals it gets and exits 0 on its stop signal. */
    const run = async (script: string, stopSignal: string) => {
      const dir = mkdtempSync(join(tmpdir(), 'supervise-'));
      const cert = join(dir, 'tls.crt');
      writeFileSync(cert, 'one');
      const stub = `#!${process.execPath}
const fs = require('fs');
const log = s => fs.appendFileSync('${dir}/signals', s + '\\n');
log('started ' + process.argv.slice(2).join(' '));
process.on('SIGHUP', () => log('HUP'));
process.on('SIG${stopSignal}', () => { log('${stopSignal}'); process.exit(0); });
setInterval(() => undefined, 1000);
`;
      for (const name of ['postgres', 'pgbackrest']) {
        writeFileSync(join(dir, name), stub);
        chmodSync(join(dir, name), 0o755);
      }
      const child = spawn('bash', ['-ceu', '--', script, 'server', '-D', '/data'], {
        env: { PATH: `${dir}:/usr/bin:/bin`, STOP_SIGNAL: stopSignal, WATCH_SECONDS: '0.2', WATCH_FILES: cert },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', d => { out += d; });
      const exited = new Promise<number | null>(resolve => child.on('exit', code => resolve(code)));
      const pause = (ms: number) => new Promise(r => setTimeout(r, ms));
      const signals = () => { try { return readFileSync(join(dir, 'signals'), 'utf8').trim().split('\n'); } catch { return []; } };
      await pause(800);
      const beforeChange = signals();
      writeFileSync(cert, 'two');
      await pause(800);
      const afterChange = signals();
      const stopped = Date.now();
      child.kill('SIGTERM');
      const code = await exited;
      const seconds = (Date.now() - stopped) / 1000;
      const received = signals();
      rmSync(dir, { recursive: true, force: true });
      return { beforeChange, afterChange, received, code, seconds, out };
    };

    test('PostgreSQL: a changed certificate is one SIGHUP; SIGTERM becomes SIGINT, and the container exits with the server', async () => {
      const r = await run(DATABASE_SCRIPT.trim(), 'INT');
      expect(r.beforeChange).toEqual(['started -D /data']);
      expect(r.afterChange).toEqual(['started -D /data', 'HUP']);
      expect(r.out).toContain('certificates or configuration changed: reloading postgres (SIGHUP)');
      expect(r.out).toContain('SIGTERM: stopping postgres with SIGINT');
      expect(r.received).toEqual(['started -D /data', 'HUP', 'INT']);
      expect(r.code).toBe(0);
      expect(r.seconds).toBeLessThan(2);
    });

    test('pgBackRest\'s server: SIGHUP on a changed certificate, SIGTERM passed on', async () => {
      const r = await run(PGBACKREST_SERVER_SCRIPT.trim(), 'TERM');
      expect(r.received).toEqual(['started server', 'HUP', 'TERM']);
      expect(r.code).toBe(0);
    });
  });
});

describe('standalone target: configuration changes roll the pods', () => {
  const hashes = (props: Partial<IvoryClusterProps>) => {
    const m = synthStandalone(props);
    const of = (sts: string) => find(m, 'StatefulSet', sts).spec.template.metadata.annotations['ivory-operator.ivorysql.org/config-hash'];
    return { instances: of('hippo-instance1'), repoHost: of('hippo-repo-host') };
  };

  test('a hash of the ConfigMap content each pod mounts is on its template: same content, same hash', () => {
    const base = hashes({});
    expect(base.instances).toMatch(/^[0-9a-f]{16}$/);
    expect(base.repoHost).toMatch(/^[0-9a-f]{16}$/);
    expect(hashes({})).toEqual(base);
  });

  test('PostgreSQL\'s or pgBackRest\'s configuration changed: the pods that read it get a new template; a schedule alone changes none', () => {
    const base = hashes({});
    const postgres = hashes({ tuning: { walCompression: 'off' } });
    expect(postgres.instances).not.toBe(base.instances);
    expect(postgres.repoHost).toBe(base.repoHost);
    const pgbackrest = hashes({ pgbackrestOptions: { 'io-timeout': '10' } });
    expect(pgbackrest.instances).not.toBe(base.instances);
    expect(pgbackrest.repoHost).not.toBe(base.repoHost);
    expect(hashes({ repos: [BackupRepo.volume({ size: Size.gibibytes(10), schedule: BackupSchedule.dailyFull({ hour: 5 }) })] })).toEqual(base);
  });
});

describe('standalone target: placement, disruptions and client access', () => {
  const instances = { 'ivory-operator.ivorysql.org/cluster': 'hippo', 'ivory-operator.ivorysql.org/data': 'ivory' };
  const podSpec = (m: any[], set = 'hippo-instance1') => find(m, 'StatefulSet', set).spec.template.spec;

  test('instances spread over nodes and zones by default, as a preference, counting every instance of the cluster', () => {
    expect(podSpec(synthStandalone({})).topologySpreadConstraints).toEqual([
      { topologyKey: 'kubernetes.io/hostname', maxSkew: 1, whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: instances } },
      { topologyKey: 'topology.kubernetes.io/zone', maxSkew: 1, whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: instances } },
    ]);
  });

  test('spread is typed: required, own constraints, none; bad keys and skews are refused, and the operator target refuses it', () => {
    const m = synthStandalone({
      instances: [
        { spread: InstanceSpread.nodesAndZones(SpreadRule.REQUIRED) },
        { name: 'racks', spread: InstanceSpread.of({ topologyKey: 'example.com/rack', maxSkew: 2 }) },
        { name: 'anywhere', spread: InstanceSpread.none() },
      ],
    });
    expect(podSpec(m).topologySpreadConstraints.map((c: any) => c.whenUnsatisfiable)).toEqual(['DoNotSchedule', 'DoNotSchedule']);
    expect(podSpec(m, 'hippo-racks').topologySpreadConstraints).toEqual([
      { topologyKey: 'example.com/rack', maxSkew: 2, whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: instances } },
    ]);
    expect(podSpec(m, 'hippo-anywhere').topologySpreadConstraints).toBeUndefined();
    const bad = validationMessage(() => synthStandalone({
      instances: [{ spread: InstanceSpread.of({ topologyKey: 'not a key' }, { topologyKey: 'zone', maxSkew: 0 }, { topologyKey: 'zone' }) }],
    }));
    expect(bad).toContain('instances[0].spread.constraints[0].topologyKey');
    expect(bad).toContain('instances[0].spread.constraints[1].maxSkew');
    expect(bad).toContain('is given twice: one constraint per topology key');
    const operator = validationMessage(() => synth({
      repos: [BackupRepo.volume({ size: Size.gibibytes(10) })], instances: [{ spread: InstanceSpread.none() }],
    }));
    expect(operator).toContain('instances[0].spread');
    expect(operator).toContain('is for the standalone target only: IVYO spreads instances with defaults of its own');
  });

  test('a PodDisruptionBudget per set that never lets a drain take its last healthy member', () => {
    const m = synthStandalone({ instances: [{ replicas: 3 }, { name: 'reporting' }] });
    for (const set of ['instance1', 'reporting']) {
      expect(find(m, 'PodDisruptionBudget', `hippo-${set}`).spec).toEqual({
        minAvailable: 1,
        unhealthyPodEvictionPolicy: 'AlwaysAllow',
        selector: { matchLabels: { 'ivory-operator.ivorysql.org/cluster': 'hippo', 'ivory-operator.ivorysql.org/instance-set': set } },
      });
    }
  });

  test('client access: the namespace by default; other namespaces, pod selectors and CIDRs when given; replication always', () => {
    const ingress = (m: any[]) => find(m, 'NetworkPolicy', 'hippo-instances').spec.ingress.filter((r: any) => r.ports[0].port === 5432);
    const replication = { from: [{ podSelector: { matchLabels: instances } }], ports: [{ protocol: 'TCP', port: 5432 }] };
    expect(ingress(synthStandalone({}))).toEqual([{ from: [{ podSelector: {} }], ports: [{ protocol: 'TCP', port: 5432 }] }, replication]);
    const m = synthStandalone({
      standalone: {
        clientAccess: [
          ClientAccess.fromNamespace('payments-api'),
          ClientAccess.fromNamespaces({ team: 'payments' }),
          ClientAccess.fromPods({ app: 'billing' }),
          ClientAccess.fromPods({ app: 'pgbouncer' }, { 'kubernetes.io/metadata.name': 'pooler' }),
          ClientAccess.fromCidr('10.20.0.0/16'),
        ],
      },
    });
    expect(ingress(m)).toEqual([{
      from: [
        { podSelector: {}, namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'payments-api' } } },
        { podSelector: {}, namespaceSelector: { matchLabels: { team: 'payments' } } },
        { podSelector: { matchLabels: { app: 'billing' } } },
        { podSelector: { matchLabels: { app: 'pgbouncer' } }, namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'pooler' } } },
        { ipBlock: { cidr: '10.20.0.0/16' } },
      ],
      ports: [{ protocol: 'TCP', port: 5432 }],
    }, replication]);
    // The cluster's own namespace is no longer admitted unless listed.
    expect(JSON.stringify(ingress(m))).not.toContain('"podSelector":{},"ports"');
    expect(ingress(synthStandalone({ standalone: { clientAccess: [] } }))).toEqual([replication]);
    const bad = validationMessage(() => synthStandalone({
      standalone: {
        clientAccess: [ClientAccess.fromNamespace('Not_A_Namespace'), ClientAccess.fromPods({ 'bad key!': 'x' }), ClientAccess.fromCidr('10.0.0.0/33')],
      },
    }));
    expect(bad).toContain('standalone.clientAccess[0] (namespace)');
    expect(bad).toContain('standalone.clientAccess[1].podLabels');
    expect(bad).toContain('standalone.clientAccess[2] (cidr)');
  });
});

describe('standalone target: restores', () => {
  test('a clone reads its source through a separate config, so it never archives into it', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'c', { namespace: 'db' });
    const source = new IvoryCluster(chart, 'hippo', { target: DeploymentTarget.STANDALONE, repos: [s3()] });
    new IvoryCluster(chart, 'clone', {
      target: DeploymentTarget.STANDALONE,
      repos: [BackupRepo.volume({ size: Size.gibibytes(5) })],
      restoreFrom: Restore.fromCluster(source, { repoName: 'repo1', target: RecoveryTarget.time('2026-11-26 10:00:00+00') }),
    });
    const manifests = Testing.synth(chart);
    const config = manifests.find((m: any) => m.metadata.name === 'clone-pgbackrest-config').data['pgbackrest_restore.conf'];
    expect(config).toContain('repo5-path = /pgbackrest/db/hippo/repo1\n');
    expect(config).toContain('repo5-cipher-type = aes-256-cbc\n');
    const sts = manifests.find((m: any) => m.metadata.name === 'clone-instance1');
    const init = sts.spec.template.spec.initContainers[0];
    expect(init.command.slice(4)).toEqual(['bootstrap', '--type=time', '--target=2026-11-26 10:00:00+00', '--target-action=promote']);
    expect(init.env).toEqual(expect.arrayContaining([
      { name: 'BOOTSTRAP', value: 'restore' },
      { name: 'RESTORE_CONFIG_ARGS', value: '--config=/etc/pgbackrest/restore/pgbackrest.conf --config-include-path=/etc/pgbackrest/restore/conf.d --stanza=db --repo=5' },
      { name: 'PGBACKREST_REPO5_CIPHER_PASS', valueFrom: { secretKeyRef: { name: 'pgbackrest-cipher', key: 'passphrase' } } },
    ]));
  });

  test('a repo without a cluster keeps the name given: its conf-file Secret says repo1, so the restore config does', () => {
    const source = orphanedS3Repo();
    const manifests = synthStandalone({ restoreFrom: Restore.fromRepo(source) });
    const config = find(manifests, 'ConfigMap', 'hippo-pgbackrest-config').data['pgbackrest_restore.conf'];
    expect(config).toContain('repo1-path = /pgbackrest/prod/hippo/repo1\n');
    expect(config).toContain('repo1-s3-bucket = old-backups\n');
    expect(config).not.toMatch(/repo[2-9]/);
    const pod = find(manifests, 'StatefulSet', 'hippo-instance1').spec.template.spec;
    expect(pod.initContainers[0].env).toEqual(expect.arrayContaining([
      { name: 'RESTORE_CONFIG_ARGS', value: '--config=/etc/pgbackrest/restore/pgbackrest.conf --config-include-path=/etc/pgbackrest/restore/conf.d --stanza=db --repo=1' },
    ]));
    const restoreVolume = pod.volumes.find((v: any) => v.name === 'pgbackrest-restore');
    expect(restoreVolume.projected.sources).toContainEqual({ secret: { name: 'hippo-s3-creds', items: [{ key: 's3.conf', mode: 416, path: 'conf.d/hippo-s3-creds-s3.conf' }] } });
  });

  test('a source whose conf file names an index the cluster\'s own environment variables use is refused, naming a free index', () => {
    const own = BackupRepo.s3({
      bucket: 'new-backups',
      region: 'eu-central-1',
      credentials: RepoCredentials.s3AccessKey({ accessKeyId: CredentialSource.fromSecret('s3', 'id'), secretAccessKey: CredentialSource.fromSecret('s3', 'secret') }),
    });
    const source = orphanedS3Repo();
    const message = validationMessage(() => synthStandalone({ repos: [own], restoreFrom: Restore.fromRepo(source) }));
    expect(message).toContain('restoreFrom.repo.name: "repo1": this cluster\'s own repo1 (repos[0]) passes credentials as environment variables (PGBACKREST_REPO1_...), which the restore would read as the source\'s, and the source\'s conf-file Secret names repo1: it cannot be read under another index; name the source repo2 (and write repo2-... in its conf file), or give this cluster\'s repo another name');
    // Named repo2 as the error says, it synthesizes under repo2.
    const renamed = BackupRepo.s3({ name: 'repo2', bucket: 'old-backups', region: 'eu-central-1', path: '/pgbackrest/prod/hippo/repo1', credentials: RepoCredentials.fromConfSecret('hippo-s3-creds', 's3.conf') });
    const manifests = synthStandalone({ repos: [own], restoreFrom: Restore.fromRepo(renamed) });
    expect(find(manifests, 'ConfigMap', 'hippo-pgbackrest-config').data['pgbackrest_restore.conf']).toContain('repo2-path = /pgbackrest/prod/hippo/repo1\n');
  });

  test('restoring from a repo path the new cluster also writes to is refused', () => {
    const chart = Testing.chart();
    const repo = BackupRepo.s3({ bucket: 'acme-backups', region: 'eu-central-1', path: '/pgbackrest/db/hippo/repo1', credentials: RepoCredentials.s3InstanceRole() });
    const message = validationMessage(() => new IvoryCluster(chart, 'hippo', {
      namespace: 'db',
      target: DeploymentTarget.STANDALONE,
      repos: [BackupRepo.s3({ bucket: 'acme-backups', region: 'eu-central-1', credentials: RepoCredentials.s3InstanceRole() })],
      restoreFrom: Restore.fromRepo(repo),
    }));
    expect(message).toContain('repos[0].path: "/pgbackrest/db/hippo/repo1": is where this cluster is restored from');
  });

  test('a volume repo the backup Jobs could not mount is refused', () => {
    const chart = Testing.chart();
    const message = validationMessage(() => new IvoryCluster(chart, 'hippo', {
      target: DeploymentTarget.STANDALONE, repos: [BackupRepo.volume({ size: Size.gibibytes(1), accessMode: VolumeAccessMode.READ_WRITE_ONCE_POD })],
    }));
    expect(message).toContain('repos[0].accessMode: "ReadWriteOncePod": the repo host and the backup Jobs both mount a volume repo');
  });

  test('an in-place restore: a restore id on the pod template, passed to the bootstrap container', () => {
    const manifests = synth({
      target: DeploymentTarget.STANDALONE,
      repos: [BackupRepo.volume({ size: Size.gibibytes(1) })],
      inPlaceRestore: Restore.inPlace({ restoreId: 'incident-7', repoName: 'repo1', confirmOverwrite: true, target: RecoveryTarget.immediate() }),
    });
    const pod = find(manifests, 'StatefulSet', 'hippo-instance1').spec.template;
    expect(pod.metadata.annotations['ivory-operator.ivorysql.org/pgbackrest-restore-id']).toBe('incident-7');
    expect(pod.spec.initContainers[0].env).toEqual(expect.arrayContaining([{ name: 'RESTORE_ID', value: 'incident-7' }, { name: 'RESTORE_REPO', value: '1' }]));
    expect(pod.spec.initContainers[0].command.slice(4)).toEqual(['bootstrap', '--type=immediate', '--target-action=promote']);
  });

  test('a standby cluster: no stanza-create, suspended schedules, standby bootstrap from its repo', () => {
    const manifests = synth({
      target: DeploymentTarget.STANDALONE,
      repos: [BackupRepo.s3({ bucket: 'acme-backups', region: 'eu-central-1', path: '/pgbackrest/prod/hippo/repo1', credentials: RepoCredentials.s3InstanceRole(), schedule: BackupSchedule.dailyFull() })],
      standby: Standby.fromRepo('repo1'),
    });
    expect(manifests.filter(m => m.kind === 'Job')).toEqual([]);
    expect(find(manifests, 'CronJob', 'hippo-repo1-full').spec.suspend).toBe(true);
    const init = find(manifests, 'StatefulSet', 'hippo-instance1').spec.template.spec.initContainers[0];
    expect(init.env).toEqual(expect.arrayContaining([{ name: 'BOOTSTRAP', value: 'standby' }, { name: 'STANDBY_REPO', value: '1' }]));
    expect(find(manifests, 'ConfigMap', 'hippo-config').data['postgresql.conf']).toContain('restore_command = \'pgbackrest --stanza=db archive-get %f "%p" --repo=1\'');
  });

  test('TLS from Secrets you manage: no cert-manager objects', () => {
    const manifests = synth({
      target: DeploymentTarget.STANDALONE,
      repos: [BackupRepo.volume({ size: Size.gibibytes(1) })],
      standalone: { tls: TlsCertificates.fromSecrets({ pgbackrestSecretName: 'pgbr-tls', postgresSecretName: 'pg-tls', replicationSecretName: 'repl-tls' }) },
    });
    expect(manifests.filter(m => m.apiVersion === 'cert-manager.io/v1')).toEqual([]);
    const volumes = find(manifests, 'StatefulSet', 'hippo-instance1').spec.template.spec.volumes;
    expect(volumes.find((v: any) => v.name === 'pgbackrest-tls').secret.secretName).toBe('pgbr-tls');
  });
});

describe('standalone target: restore checks', () => {
  test('a scheduled check: a CronJob restoring into a generic ephemeral volume, reaching volume repos through the repo host', () => {
    const manifests = synth({
      target: DeploymentTarget.STANDALONE,
      instances: [{ dataVolumeSize: Size.gibibytes(30), storageClassName: 'fast' }],
      repos: [BackupRepo.volume({ size: Size.gibibytes(100) })],
      restoreChecks: [{ checkId: 'weekly', repoName: 'repo1', schedule: '0 12 * * 6', query: 'select count(*) from orders', database: 'shop' }],
    });
    const cron = find(manifests, 'CronJob', 'hippo-restore-check-weekly');
    expect(cron.spec.schedule).toBe('0 12 * * 6');
    const pod = cron.spec.jobTemplate.spec.template.spec;
    expect(pod.volumes[0].ephemeral.volumeClaimTemplate.spec).toEqual({ accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '30Gi' } }, storageClassName: 'fast' });
    expect(pod.containers[0].env).toEqual(expect.arrayContaining([{ name: 'CHECK_QUERY', value: 'select count(*) from orders' }, { name: 'CHECK_DATABASE', value: 'shop' }]));
    expect(pod.containers[0].command[3]).toContain('--archive-mode=off restore');
    const policy = find(manifests, 'NetworkPolicy', 'hippo-repo-host');
    expect(policy.spec.ingress[0].from[1].podSelector.matchLabels).toMatchObject({ 'ivory-operator.ivorysql.org/pgbackrest-restore-check': '' });
  });

  test('refused with the operator target, and with an id too long for a CronJob name', () => {
    const chart = Testing.chart();
    expect(validationMessage(() => new IvoryCluster(chart, 'hippo', {
      repos: [BackupRepo.volume({ size: Size.gibibytes(1) })], restoreChecks: [{ checkId: 'c', repoName: 'repo1' }],
    }))).toContain('restoreChecks: restore checks are rendered by the standalone target only');
    expect(validationMessage(() => new IvoryCluster(Testing.chart(), 'a-rather-long-cluster-name', {
      target: DeploymentTarget.STANDALONE,
      repos: [BackupRepo.volume({ size: Size.gibibytes(1) })],
      restoreChecks: [{ checkId: 'every-saturday-noon', repoName: 'repo1', schedule: '0 12 * * 6' }],
    }))).toContain('restoreChecks[0].checkId: "every-saturday-noon": makes the CronJob name "a-rather-long-cluster-name-restore-check-every-saturday-noon" longer than 52 characters');
  });
});

test('a standalone streaming standby without repoName is refused: its instances start from a backup of the primary', () => {
  const message = validationMessage(() => new IvoryCluster(Testing.chart(), 'hippo', {
    target: DeploymentTarget.STANDALONE,
    repos: [BackupRepo.volume({ size: Size.gibibytes(1) })],
    standby: Standby.fromHost({ host: 'primary.example' }),
  }));
  expect(message).toContain('standby.repoName: undefined: a standalone streaming standby creates its instances from a backup of the primary');
});

describe('standalone target: the backup-health exporter', () => {
  const manifests = synthStandalone({ instances: [{ replicas: 2 }] });
  const pod = find(manifests, 'StatefulSet', 'hippo-instance1').spec.template.spec;
  const exporter = pod.containers.find((c: any) => c.name === 'exporter');
  const configMap = find(manifests, 'ConfigMap', 'hippo-exporter-queries-config');
  const postgres = find(manifests, 'ConfigMap', 'hippo-config').data;

  test('a container beside each instance: postgres_exporter from IVYO\'s image with our queries, on port 9187, restricted, no credential', () => {
    expect(exporter.image).toBe('docker.io/ivorysql/postgres-exporter:ubi9-0.17.0-5.4-1');
    // The binary, not IVYO's start.sh; only flags postgres_exporter 0.11 and 0.17 both take.
    expect(exporter.command).toEqual([
      '/opt/cpm/bin/postgres_exporter/postgres_exporter', '--extend.query-path=/etc/postgres-exporter/queries.yml', '--web.listen-address=:9187',
    ]);
    expect(exporter.args).toBeUndefined();
    expect(exporter.ports).toEqual([{ name: 'exporter', containerPort: 9187 }]);
    expect(exporter.securityContext).toEqual({
      allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, privileged: false, readOnlyRootFilesystem: true, runAsNonRoot: true,
    });
    // The pod's uid (the database's): peer authentication maps it to the monitoring role.
    expect(exporter.securityContext.runAsUser).toBeUndefined();
    expect(pod.securityContext).toMatchObject({ runAsUser: 998, runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(exporter.resources).toEqual({ requests: { cpu: '10m', memory: '32Mi' }, limits: { memory: '128Mi' } });
    // Over the socket in the pod's /tmp, as ccp_monitoring, with no password anywhere.
    expect(exporter.env).toEqual([{ name: 'DATA_SOURCE_NAME', value: 'host=/tmp/postgres port=5432 user=ccp_monitoring dbname=postgres sslmode=disable' }]);
    expect(JSON.stringify(exporter)).not.toMatch(/password|secretKeyRef|envFrom/i);
    expect(exporter.volumeMounts).toEqual([
      { name: 'exporter-config', mountPath: '/etc/postgres-exporter', readOnly: true },
      { name: 'tmp', mountPath: '/tmp' },
    ]);
    expect(pod.volumes).toContainEqual({ name: 'exporter-config', configMap: { name: 'hippo-exporter-queries-config' } });
    // No probe: a failing one would take the database out of its Services.
    expect(exporter.readinessProbe).toBeUndefined();
    expect(exporter.livenessProbe).toBeUndefined();
  });

  test('the queries give pgMonitor\'s names, labelled by stanza and repo (and backup type where pgMonitor has it), plus two of ours', () => {
    const queries = parse(configMap.data['queries.yml']);
    const series = Object.entries(queries).flatMap(([name, q]: [string, any]) => q.metrics.map((m: any) => {
      const [column, spec] = Object.entries(m)[0] as [string, any];
      return { name: `${name}_${column}`, usage: spec.usage, labels: q.metrics.filter((l: any) => (Object.values(l)[0] as any).usage === 'LABEL').map((l: any) => Object.keys(l)[0]) };
    })).filter(m => m.usage === 'GAUGE');
    expect(Object.fromEntries(series.map(m => [m.name, m.labels]))).toEqual({
      ccp_backrest_last_full_backup_time_since_completion_seconds: ['stanza', 'repo'],
      ccp_backrest_last_diff_backup_time_since_completion_seconds: ['stanza', 'repo'],
      ccp_backrest_last_incr_backup_time_since_completion_seconds: ['stanza', 'repo'],
      ccp_backrest_last_info_backup_runtime_seconds: ['stanza', 'repo', 'backup_type'],
      ccp_backrest_last_info_repo_backup_size_bytes: ['stanza', 'repo', 'backup_type'],
      ccp_backrest_last_info_repo_total_size_bytes: ['stanza', 'repo', 'backup_type'],
      ccp_backrest_last_info_backup_error: ['stanza', 'repo', 'backup_type'],
      ccp_backrest_oldest_full_backup_time_seconds: ['stanza', 'repo'],
      ivory_backrest_repo_status_code: ['stanza', 'repo'],
      ccp_archive_command_status_seconds_since_last_fail: [],
      ccp_archive_command_status_seconds_since_last_archive: [],
      ccp_archive_command_status_archived_count: [],
      ccp_archive_command_status_failed_count: [],
      ivory_archive_ready_segments: [],
      ccp_is_in_recovery_status: [],
    });
    // pgMonitor's cumulative meaning: a full is the newest diff and incr too.
    expect(queries.ccp_backrest_last_diff_backup.query).toContain("backup_type IN ('full', 'diff')");
    expect(queries.ccp_backrest_last_incr_backup.query).toContain("backup_type IN ('full', 'diff', 'incr')");
    // Ages are computed when scraped; the repo label is pgBackRest's repo key, a number.
    expect(queries.ccp_backrest_last_full_backup.query).toContain('CURRENT_TIMESTAMP - max(to_timestamp(stopped))');
    expect(queries.ccp_backrest_last_full_backup.query).toContain("b->'database'->>'repo-key' AS repo");
    expect(queries.ivory_archive.query).toContain('pg_ls_archive_statusdir()');
    for (const q of Object.values(queries) as any[]) expect(q.cache_seconds).toBeUndefined();
  });

  test('the set-up: a pg_monitor role without password, and a SECURITY DEFINER function that can run only its fixed pgbackrest info', () => {
    const sql: string = configMap.data['setup.sql'];
    expect(sql).toContain('ALTER ROLE ccp_monitoring WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT PASSWORD NULL;');
    expect(sql.match(/GRANT [a-z_]+ TO ccp_monitoring/g)).toEqual(['GRANT pg_monitor TO ccp_monitoring']);
    expect(sql).not.toMatch(/pg_execute_server_program|pg_read_server_files|SUPERUSER [^N]/);
    expect(sql).toMatch(/CREATE OR REPLACE FUNCTION ivory_monitor\.pgbackrest_info\(\) RETURNS jsonb\nLANGUAGE plpgsql VOLATILE SECURITY DEFINER\nSET search_path = pg_catalog, pg_temp\n/);
    expect(sql).toContain('REVOKE ALL ON FUNCTION ivory_monitor.pgbackrest_info() FROM PUBLIC;\nGRANT EXECUTE ON FUNCTION ivory_monitor.pgbackrest_info() TO ccp_monitoring;');
    expect(sql).toContain('REVOKE ALL ON TABLE ivory_monitor.pgbackrest_info FROM PUBLIC;');
    // One program, a literal: nothing a caller passes reaches it (the function takes no argument).
    const programs = [...sql.matchAll(/TO PROGRAM '([^']*)'/g)].map(m => m[1]);
    expect(programs).toEqual(['mkdir -p /tmp/pgbackrest-info && cd /tmp/pgbackrest-info && touch started || exit 1; '
      + '(pgbackrest --stanza=db --output=json --log-level-console=off --log-level-file=off --log-level-stderr=warn info > running.$$ || : > running.$$; '
      + 'mv running.$$ info.json) < /dev/null > /dev/null &']);
    expect(sql).not.toMatch(/FROM PROGRAM|EXECUTE format|EXECUTE '/);
    // Only the primary asks, at most once a minute.
    expect(sql).toContain('IF NOT pg_is_in_recovery() THEN');
    expect(sql).toContain("started < clock_timestamp() - interval '60 seconds'");
  });

  test('the bootstrap container runs the set-up on the primary, with the SQL from the exporter\'s ConfigMap', () => {
    const bootstrap = pod.initContainers[0];
    expect(bootstrap.volumeMounts).toContainEqual({ name: 'exporter-config', mountPath: '/etc/postgres-exporter', readOnly: true });
    const envs = Object.fromEntries(bootstrap.env.filter((e: any) => e.value !== undefined).map((e: any) => [e.name, e.value]));
    expect(envs.MONITORING_SQL).toBe('/etc/postgres-exporter/setup.sql');
    expect(envs.MONITORING_SETUP).toMatch(/^[0-9a-f]{16}$/);
    const script: string = bootstrap.command[3];
    expect(script).toContain('monitoring_setup "-c config_file=$POSTGRES_CONFIG -c archive_mode=off"');
    expect(script).toMatch(/\[ "\$BOOTSTRAP" != standby \]; then\n\s+monitoring_setup "-c config_file=\$POSTGRES_CONFIG"/);
    expect(script).toContain('psql -h "$1" -p "$PGPORT" -d postgres -Xq -v ON_ERROR_STOP=1 -f "$MONITORING_SQL"');
  });

  test('PostgreSQL lets the pod\'s OS user in as ccp_monitoring, by peer authentication through an ident map, to the postgres database only', () => {
    expect(postgres['pg_hba.conf'].split('\n').slice(1, 3)).toEqual(['local postgres ccp_monitoring peer map=ccp_monitoring', 'local all all peer']);
    expect(postgres['pg_ident.conf']).toContain('\nccp_monitoring ivorysql ccp_monitoring\n');
    expect(postgres['postgresql.conf']).toContain("ident_file = '/etc/ivorysql/config/pg_ident.conf'\n");
  });

  test('the instances\' NetworkPolicy admits the exporter\'s port from every namespace, and nothing else more', () => {
    const np = find(manifests, 'NetworkPolicy', 'hippo-instances');
    expect(np.spec.ingress).toEqual([
      { from: [{ podSelector: {} }], ports: [{ protocol: 'TCP', port: 5432 }] },
      expect.objectContaining({ ports: [{ protocol: 'TCP', port: 8432 }] }),
      { from: [{ namespaceSelector: {} }], ports: [{ protocol: 'TCP', port: 9187 }] },
      { from: [{ podSelector: { matchLabels: { 'ivory-operator.ivorysql.org/cluster': 'hippo', 'ivory-operator.ivorysql.org/data': 'ivory' } } }], ports: [{ protocol: 'TCP', port: 5432 }] },
    ]);
  });

  test('its image and resources can be set', () => {
    const m = synthStandalone({
      monitoring: { exporterImage: 'registry.example.com/postgres-exporter:0.17.1', exporterResources: { cpu: { request: Cpu.millis(50) }, memory: { limit: Size.mebibytes(256) } } },
    });
    const c = find(m, 'StatefulSet', 'hippo-instance1').spec.template.spec.containers.find((x: any) => x.name === 'exporter');
    expect(c.image).toBe('registry.example.com/postgres-exporter:0.17.1');
    expect(c.resources).toEqual({ requests: { cpu: '50m' }, limits: { memory: '256Mi' } });
  });

  test('monitoring: { exporter: false, alerts: false } renders none of it', () => {
    const m = synthStandalone({ monitoring: { exporter: false, alerts: false } });
    const p = find(m, 'StatefulSet', 'hippo-instance1').spec.template.spec;
    expect(p.containers.map((c: any) => c.name)).toEqual(['database', 'pgbackrest']);
    expect(p.volumes.map((v: any) => v.name)).not.toContain('exporter-config');
    expect(p.initContainers[0].volumeMounts.map((v: any) => v.name)).not.toContain('exporter-config');
    expect(p.initContainers[0].env.map((e: any) => e.name)).not.toEqual(expect.arrayContaining(['MONITORING_SQL']));
    expect(p.initContainers[0].env.map((e: any) => e.name)).not.toContain('MONITORING_SETUP');
    expect(m.filter((x: any) => x.kind === 'ConfigMap').map((x: any) => x.metadata.name).sort()).toEqual(['hippo-config', 'hippo-pgbackrest-config']);
    expect(m.filter((x: any) => ['PrometheusRule', 'PodMonitor'].includes(x.kind))).toEqual([]);
    expect(JSON.stringify(find(m, 'NetworkPolicy', 'hippo-instances'))).not.toContain('9187');
    const conf = find(m, 'ConfigMap', 'hippo-config').data;
    expect(conf['pg_hba.conf']).not.toContain('ccp_monitoring');
    expect(conf['pg_ident.conf']).not.toContain('ccp_monitoring');
  });
});
