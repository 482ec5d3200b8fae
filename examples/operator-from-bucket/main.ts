/**
 * Operator target, a new cluster from a bucket whose cluster is gone: the old cluster's repo is described with the
 * path its backups were written to and its credentials (a conf-file Secret naming `repo1`, kept as `repo1`). The new
 * cluster writes its own backups elsewhere (its default path includes its own name), never into the source.
 */
import { App, Chart, Size } from 'cdk8s';
import { BackupRepo, BackupRetention, BackupSchedule, IvoryCluster, RecoveryTarget, RepoCredentials, Restore } from '../../src';

export function build(app: App): Chart {
  const chart = new Chart(app, 'operator-from-bucket', { namespace: 'payments' });
  const credentials = RepoCredentials.fromConfSecret('hippo-s3-creds', 's3.conf');
  new IvoryCluster(chart, 'hippo2', {
    instances: [{ replicas: 2, dataVolumeSize: Size.gibibytes(50) }],
    repos: [
      BackupRepo.s3({
        name: 'repo1',
        bucket: 'acme-pg-backups',
        region: 'eu-central-1',
        credentials,
        schedule: BackupSchedule.dailyFull({ hour: 3 }),
        retention: BackupRetention.fullDays(14),
      }),
    ],
    restoreFrom: Restore.fromRepo(BackupRepo.s3({
      name: 'repo1',
      bucket: 'acme-pg-backups',
      region: 'eu-central-1',
      path: '/pgbackrest/payments/hippo/repo1',
      credentials,
    }), { target: RecoveryTarget.endOfArchive() }),
  });
  return chart;
}

if (require.main === module) {
  const app = new App();
  build(app);
  app.synth();
}
