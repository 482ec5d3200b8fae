/**
 * Backups from a standby (`backupJobs.source`, pgBackRest's `backup-standby`): what each target renders, where the
 * option reaches (only configs that run backups), the first backup kept on the primary, and the refusals. The run
 * on the real engine is test/e2e-standby-backup.test.ts.
 */
import { Size, Testing } from 'cdk8s';
import {
  BackupRepo, BackupSchedule, BackupSource, DeploymentTarget, IvoryCluster, IvoryClusterProps, PgBackRestVersion, RepoCredentials,
} from '../src';
import { readPgBackRestIni } from './support/pgbackrest-ini';
import { find, synth, validationMessage } from './support/synth';

const volume = () => BackupRepo.volume({ size: Size.gibibytes(1), schedule: BackupSchedule.dailyFull() });
const s3 = () => BackupRepo.s3({
  name: 'repo2',
  bucket: 'hippo-backups',
  region: 'eu-central-1',
  credentials: RepoCredentials.fromConfSecret('hippo-s3', 's3.conf'),
});

function standalone(props: Partial<IvoryClusterProps>): { [key: string]: any } {
  const m = synth({ target: DeploymentTarget.STANDALONE, instances: [{ replicas: 2 }], repos: [volume()], ...props });
  const data = find(m, 'ConfigMap', 'hippo-pgbackrest-config').data;
  const out: any = {};
  for (const [key, text] of Object.entries(data)) if (key.endsWith('.conf')) out[key] = readPgBackRestIni(text as string);
  out.stanzaCreate = m.find(x => x.kind === 'Job' && x.metadata.name.startsWith('hippo-stanza-create-')).spec.template.spec.containers[0].command.join(' ');
  return out;
}

describe('standalone', () => {
  test.each([
    [BackupSource.STANDBY, 'y'],
    [BackupSource.PREFER_STANDBY, 'prefer'],
  ])('%s: the backup Jobs\' config reads a standby (backup-standby=%s); the instances\' config runs no backup and has none', (source, value) => {
    const c = standalone({ backupJobs: { source } });
    expect(c['pgbackrest_job.conf'].global['backup-standby']).toEqual([value]);
    // pgBackRest finds the standby among the pgN-hosts of the job config: every instance is there.
    expect(c['pgbackrest_job.conf'].db['pg2-host']).toEqual(['hippo-instance1-1.hippo-pods.db.svc.cluster.local']);
    expect(c['pgbackrest_instance.conf'].global['backup-standby']).toBeUndefined();
  });

  test('the first backup, which the replicas are created from, reads the primary whatever the source', () => {
    const c = standalone({ backupJobs: { source: BackupSource.STANDBY } });
    expect(c.stanzaCreate).toMatch(/--type=full --start-fast --no-backup-standby backup/);
  });

  test('the default reads the primary: no backup-standby anywhere', () => {
    const c = standalone({});
    for (const key of ['pgbackrest_job.conf', 'pgbackrest_instance.conf']) expect(c[key].global['backup-standby']).toBeUndefined();
  });

  test('the plan report says where backups read from', () => {
    const chart = Testing.chart();
    const cluster = new IvoryCluster(chart, 'hippo', {
      target: DeploymentTarget.STANDALONE, instances: [{ replicas: 2 }], repos: [volume()], backupJobs: { source: BackupSource.PREFER_STANDBY },
    });
    expect(cluster.planAnalysis.backupSource).toBe(BackupSource.PREFER_STANDBY);
    expect(cluster.planAnalysis.toMarkdown()).toMatch(/Backups read a streaming standby when one is running, else the primary/);
  });
});

describe('operator', () => {
  test('PREFER_STANDBY goes into IVYO\'s global, which its repo host and the primary\'s pod both read', () => {
    const m = synth({
      target: DeploymentTarget.OPERATOR, instances: [{ replicas: 2 }], repos: [volume(), s3()], backupJobs: { source: BackupSource.PREFER_STANDBY },
    });
    expect(find(m, 'IvoryCluster').spec.backups.pgbackrest.global['backup-standby']).toBe('prefer');
  });

  test('STANDBY is refused, saying why and what to use', () => {
    const msg = validationMessage(() => synth({
      target: DeploymentTarget.OPERATOR, instances: [{ replicas: 3 }], repos: [volume()], backupJobs: { source: BackupSource.STANDBY },
    }));
    expect(msg).toMatch(/backupJobs\.source: "?BackupSource\.STANDBY"?: cannot be rendered for IVYO: .*primary's pod.*use BackupSource\.PREFER_STANDBY/);
  });
});

describe('refusals', () => {
  test('STANDBY with one instance: no standby would ever run', () => {
    const msg = validationMessage(() => synth({
      target: DeploymentTarget.STANDALONE, instances: [{ replicas: 1 }], repos: [volume()], backupJobs: { source: BackupSource.STANDBY },
    }));
    expect(msg).toMatch(/backupJobs\.source: "?BackupSource\.STANDBY"?: needs a standby to read from, but the cluster has 1 instance/);
  });

  test('instances added later count: two sets of one are two instances', () => {
    const chart = Testing.chart();
    const cluster = new IvoryCluster(chart, 'hippo', {
      target: DeploymentTarget.STANDALONE, instances: [{ replicas: 1 }], repos: [volume()], backupJobs: { source: BackupSource.STANDBY },
    });
    cluster.addInstanceSet({ name: 'instance2', replicas: 1 });
    expect(() => Testing.synth(chart)).not.toThrow();
  });

  test('PREFER_STANDBY before pgBackRest 2.54 is refused, naming the version', () => {
    const msg = validationMessage(() => synth({
      target: DeploymentTarget.STANDALONE,
      instances: [{ replicas: 2 }],
      repos: [volume()],
      pgbackrestVersion: PgBackRestVersion.of('2.53'),
      backupJobs: { source: BackupSource.PREFER_STANDBY },
    }));
    expect(msg).toMatch(/backupJobs\.source: .*needs pgBackRest 2\.54 or later \(backup-standby=prefer came in 2\.54\); pgbackrestVersion is 2\.53/);
  });

  test('a value that is not a BackupSource', () => {
    const msg = validationMessage(() => synth({ target: DeploymentTarget.STANDALONE, repos: [volume()], backupJobs: { source: 'replica' as BackupSource } }));
    expect(msg).toMatch(/backupJobs\.source: "replica": must be one of BackupSource\.PRIMARY, BackupSource\.STANDBY, BackupSource\.PREFER_STANDBY/);
  });

  test('backup-standby in pgbackrestOptions is refused in favour of the prop', () => {
    const msg = validationMessage(() => synth({ target: DeploymentTarget.STANDALONE, instances: [{ replicas: 2 }], repos: [volume()], pgbackrestOptions: { 'backup-standby': 'y' } }));
    expect(msg).toMatch(/pgbackrestOptions.*backup-standby.*backupJobs\.source \(BackupSource\)/);
  });
});
