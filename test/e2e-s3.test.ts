/**
 * End-to-end, S3 (s3rver over TLS with a test CA): an encrypted S3 repo plus a volume repo, so WAL goes to two
 * repos. Scenarios 1-3, and 8: the encrypted repo backs up and restores, and holds no plaintext.
 */
import * as fs from 'fs';
import { Size } from 'cdk8s';
import { BackupRepo, BackupRetention, CaCertificate, CredentialSource, RepoCredentials, RepoEncryption, S3UriStyle } from '../src';
import { BUCKET, S3RVER_KEY } from './e2e/harness/emulators';
import { objectStoreSuite, schedule } from './e2e/object-store-suite';
import { info } from './e2e/scenario';

const S3_SECRET = 'S3RVER-secret-value';
const PASSPHRASE = 'correct-horse-battery-staple-e2e';

objectStoreSuite({
  kind: 's3',
  repos: emulators => [
    BackupRepo.s3({
      bucket: BUCKET,
      region: 'us-east-1',
      endpoint: emulators.host('s3'),
      port: emulators.port('s3'),
      uriStyle: S3UriStyle.PATH,
      caCertificate: CaCertificate.fromSecret('emulator-ca', 'ca.crt'),
      credentials: RepoCredentials.s3AccessKey({
        accessKeyId: CredentialSource.fromSecret('s3-creds', 'access-key-id'),
        secretAccessKey: CredentialSource.fromSecret('s3-creds', 'secret-access-key'),
      }),
      encryption: RepoEncryption.aes256Cbc(CredentialSource.fromSecret('pgbackrest-cipher', 'passphrase')),
      schedule: schedule(),
      retention: BackupRetention.fullCount(3),
    }),
    BackupRepo.volume({ size: Size.gibibytes(1) }),
  ],
  secrets: emulators => ({
    's3-creds': { 'access-key-id': S3RVER_KEY, 'secret-access-key': S3_SECRET },
    'pgbackrest-cipher': { passphrase: PASSPHRASE },
    'emulator-ca': { 'ca.crt': emulators.ca.cert },
  }),
  secretValues: [S3_SECRET, PASSPHRASE],
  expectObjects: ctx => {
    const objects = ctx.emulators.s3Objects('pgbackrest/db/hippo/repo1/');
    expect(objects).toEqual(expect.arrayContaining(['pgbackrest/db/hippo/repo1/archive/db/archive.info', 'pgbackrest/db/hippo/repo1/backup/db/backup.info']));
    expect(objects.some(o => /archive\/db\/15-1\/0000000100000000\/000000010000000000000001-/.test(o))).toBe(true);
  },
  more: ctx => {
    test('8. the encrypted repo: pgBackRest reports the cipher, and no repo file holds plaintext', async () => {
      const { k, primary, emulators } = ctx();
      const repo1 = (await info(k, primary)).raw.repo.find((r: any) => r.key === 1);
      expect(repo1.cipher).toBe('aes-256-cbc');
      // Plaintext manifests and info files contain these words; encrypted ones never do.
      const files = emulators.s3Objects('pgbackrest/db/hippo/repo1/backup/db/');
      expect(files.filter(f => /backup\.(info|manifest)$/.test(f)).length).toBeGreaterThan(3);
      for (const name of files.filter(f => /backup\.(info|manifest)$/.test(f))) {
        const data = fs.readFileSync(emulators.s3ObjectFile(name));
        expect(data.includes('backrest-format')).toBe(false);
        expect(data.includes('pg_data')).toBe(false);
      }
    });
  },
});
