import { Chart, Duration, Size, Testing } from 'cdk8s';
import { Cpu } from 'cdk8s-plus-28';
import { parse } from 'yaml';
import {
  BackupRepo, BackupRetention, BackupSchedule, CaCertificate, CredentialSource, DatabaseMode, DeploymentTarget, IvoryCluster,
  IvoryClusterProps, RecoveryTarget, RepoCredentials, RepoEncryption, Restore, S3UriStyle, Standby, TlsCertificates, VolumeAccessMode,
} from '../src';
import { all, find, orphanedS3Repo, synth, validationMessage } from './support/synth';

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
    expect(pod.containers[0].command).toEqual(['postgres', '-D', '/pgdata/pg18', '-c', 'config_file=/etc/ivorysql/config/postgresql.conf', '-c', 'cluster_name=$(POD_NAME)']);
    expect(pod.containers[1].command).toEqual(['pgbackrest', 'server']);
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
