import { Chart, Testing } from 'cdk8s';
import { Construct } from 'constructs';
import { TEST_SECRETS } from './secrets';
import { BackupRepo, IvoryCluster, IvoryClusterProps, RepoCredentials } from '../../src';


/**
 * Synthesizes one cluster in a fresh chart and checks what every test must hold: schema-valid, restricted pods,
 * sane RBAC, no credential. Returns the manifests.
 */
export function synth(props: IvoryClusterProps, options: { id?: string; namespace?: string } = {}): any[] {
  const chart = Testing.chart();
  new IvoryCluster(chart, options.id ?? 'hippo', { namespace: options.namespace ?? 'db', ...props });
  return checked(chart);
}

/** Synthesizes a chart; every check runs (test/setup/every-manifest.ts wraps Testing.synth for all tests). */
export function checked(chart: Chart): any[] {
  return Testing.synth(chart);
}

export { TEST_SECRETS };

export function find(manifests: any[], kind: string, name?: string): any {
  const found = manifests.find(m => m.kind === kind && (name === undefined || m.metadata.name === name));
  if (!found) throw new Error(`no ${kind}${name ? ` named ${name}` : ''} in [${manifests.map(m => `${m.kind}/${m.metadata.name}`).join(', ')}]`);
  return found;
}

export function all(manifests: any[], kind: string): any[] {
  return manifests.filter(m => m.kind === kind);
}

/**
 * Runs `fn` and returns the ValidationError message it throws (failing the test if it does not). When `fn` returns
 * a construct, its chart is synthesized too: checks of the whole cluster run at synth.
 */
export function validationMessage(fn: () => unknown): string {
  try {
    const result = fn();
    if (result instanceof Construct) Testing.synth(Chart.of(result));
  } catch (e) {
    if ((e as Error).name !== 'ValidationError') throw e;
    return (e as Error).message;
  }
  throw new Error('expected a ValidationError, but nothing was thrown');
}

/** An S3 repo whose cluster is gone, named repo1 as its conf-file Secret (`repo1-s3-key`) is: a restore source. */
export function orphanedS3Repo(): BackupRepo {
  return BackupRepo.s3({
    name: 'repo1',
    bucket: 'old-backups',
    region: 'eu-central-1',
    path: '/pgbackrest/prod/hippo/repo1',
    credentials: RepoCredentials.fromConfSecret('hippo-s3-creds', 's3.conf'),
  });
}
