/**
 * Operator target, a standby cluster (for example in another region) that replays the primary's WAL from its S3 repo.
 * The repo is given the primary's bucket and path: left at its default, it would be the standby's own, empty
 * location, which is refused. Backups of a standby are suspended until it is promoted.
 */
import { App, Chart, Size } from 'cdk8s';
import { BackupRepo, IvoryCluster, RepoCredentials, Standby } from '../../src';

export function build(app: App): Chart {
  const chart = new Chart(app, 'operator-standby-s3', { namespace: 'payments' });
  new IvoryCluster(chart, 'hippo-standby', {
    instances: [{ replicas: 2, dataVolumeSize: Size.gibibytes(50) }],
    repos: [
      BackupRepo.s3({
        name: 'repo1',
        bucket: 'acme-pg-backups',
        region: 'eu-central-1',
        // Where the primary `hippo` in namespace `payments` writes its repo1 (its default path).
        path: '/pgbackrest/payments/hippo/repo1',
        credentials: RepoCredentials.fromConfSecret('hippo-s3-creds', 's3.conf'),
      }),
    ],
    standby: Standby.fromRepo('repo1'),
  });
  return chart;
}

if (require.main === module) {
  const app = new App();
  build(app);
  app.synth();
}
