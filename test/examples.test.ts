import * as fs from 'fs';
import * as path from 'path';
import { App, Testing } from 'cdk8s';
import { validateManifests } from './support/schemas';
import { credentialLeaks, restrictedViolations } from './support/security';
import { find } from './support/synth';
import { EXAMPLES } from '../examples/synth';

const synth = (name: string): any[] => Testing.synth((EXAMPLES[name] as (app: App) => any)(Testing.app()));

test.each(Object.keys(EXAMPLES))('the %s example synthesizes valid, safe manifests and is a cdk8s app of its own', name => {
  const manifests = synth(name);
  validateManifests(manifests);
  expect(restrictedViolations(manifests)).toEqual([]);
  expect(credentialLeaks(manifests)).toEqual([]);
  expect(manifests.length).toBeGreaterThan(name === 'standalone' ? 20 : 0);
  const dir = path.join(__dirname, '..', 'examples', name);
  expect(fs.readFileSync(path.join(dir, 'cdk8s.yaml'), 'utf8')).toMatch(/^app: npx ts-node --transpile-only main\.ts$/m);
  expect(fs.readFileSync(path.join(dir, 'main.ts'), 'utf8')).toContain('if (require.main === module)');
});

test('conf-file Secrets: both files projected, the repo named repo1 as the files say', () => {
  const cr = find(synth('operator-conf-secrets'), 'IvoryCluster');
  expect(cr.spec.backups.pgbackrest.repos[0].name).toBe('repo1');
  expect(cr.spec.backups.pgbackrest.configuration).toEqual([
    { secret: { name: 'hippo-cipher', items: [{ key: 'cipher.conf', path: 'hippo-cipher-cipher.conf' }] } },
    { secret: { name: 'hippo-s3-creds', items: [{ key: 's3.conf', path: 'hippo-s3-creds-s3.conf' }] } },
  ]);
  expect(cr.spec.backups.pgbackrest.global['repo1-cipher-type']).toBe('aes-256-cbc');
});

test('a GCS key file: projected and named in global', () => {
  const cr = find(synth('operator-gcs-key'), 'IvoryCluster');
  expect(cr.spec.backups.pgbackrest.global).toEqual(expect.objectContaining({ 'repo1-gcs-key-type': 'service', 'repo1-gcs-key': '/etc/pgbackrest/conf.d/repo1-gcs-key.json' }));
  expect(cr.spec.backups.pgbackrest.configuration).toEqual([{ secret: { name: 'hippo-gcs-key', items: [{ key: 'key.json', path: 'repo1-gcs-key.json' }] } }]);
});

test('an in-place point-in-time restore: the annotation and the restore spec', () => {
  const cr = find(synth('operator-pitr-in-place'), 'IvoryCluster');
  expect(cr.metadata.annotations['ivory-operator.ivorysql.org/pgbackrest-restore']).toBe('incident-42');
  expect(cr.spec.backups.pgbackrest.restore).toEqual({ enabled: true, repoName: 'repo1', options: ['--type=time', '--target="2026-11-26 14:15:11+01"'] });
});

test('a standby from S3: the primary\'s path, standby enabled', () => {
  const cr = find(synth('operator-standby-s3'), 'IvoryCluster');
  expect(cr.spec.standby).toEqual({ enabled: true, repoName: 'repo1' });
  expect(cr.spec.backups.pgbackrest.global['repo1-path']).toBe('/pgbackrest/payments/hippo/repo1');
});

test('a cluster from a bucket whose cluster is gone: the source keeps repo1, the new cluster writes elsewhere', () => {
  const cr = find(synth('operator-from-bucket'), 'IvoryCluster');
  expect(cr.spec.dataSource.pgbackrest.repo.name).toBe('repo1');
  expect(cr.spec.dataSource.pgbackrest.global['repo1-path']).toBe('/pgbackrest/payments/hippo/repo1');
  expect(cr.spec.dataSource.pgbackrest.configuration).toEqual([{ secret: { name: 'hippo-s3-creds', items: [{ key: 's3.conf', path: 'hippo-s3-creds-s3.conf' }] } }]);
  expect(cr.spec.backups.pgbackrest.global['repo1-path']).toBe('/pgbackrest/payments/hippo2/repo1');
});

test('both examples declare an application user: IVYO\'s spec.users, and the standalone set-up with its pguser Secrets', () => {
  expect(find(synth('operator'), 'IvoryCluster').spec.users).toEqual([{
    name: 'payments', databases: ['payments'], options: expect.stringMatching(/^LOGIN NOSUPERUSER /), password: { type: 'AlphaNumeric' },
  }]);
  const standalone = synth('standalone');
  expect(standalone.filter(m => m.kind === 'ExternalSecret').map(m => m.metadata.name)).toEqual(['hippo-pguser-payments', 'hippo-pguser-reporting']);
  expect(find(standalone, 'ConfigMap', 'hippo-users').data['users.sql']).toContain('GRANT ALL PRIVILEGES ON DATABASE "payments" TO "reporting";');
  expect(find(standalone, 'Role', 'hippo-user-secrets-reader').rules).toEqual([
    { apiGroups: [''], resources: ['secrets'], resourceNames: ['reporting-db-password'], verbs: ['get'] },
  ]);
});
