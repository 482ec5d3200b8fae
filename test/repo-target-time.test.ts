/**
 * Restores that read a repo as it was at a time (`repoTargetTime`, pgBackRest's `--repo-target-time`, 2.54+), for a
 * repo on versioned object storage: what both targets render, and the refusals (volume repos, old versions, a bad
 * time, the raw option). No emulator the harness runs keeps object versions (s3rver, Azurite and the GCS fake do
 * not), so the proof stops at what pgBackRest is given; the README says so.
 */
import { Size } from 'cdk8s';
import {
  BackupRepo, DeploymentTarget, PgBackRestVersion, RecoveryTarget, RepoCredentials, Restore,
} from '../src';
import { find, synth, validationMessage } from './support/synth';

const s3 = () => BackupRepo.s3({
  name: 'repo1',
  bucket: 'old-backups',
  region: 'eu-central-1',
  path: '/pgbackrest/prod/hippo/repo1',
  credentials: RepoCredentials.fromConfSecret('hippo-s3-creds', 's3.conf'),
});
const volume = () => BackupRepo.volume({ size: Size.gibibytes(1) });

describe('rendered', () => {
  test('standalone: the restore reads the repo at the time, normalised as pgBackRest parses it, with --repo (which it requires)', () => {
    const m = synth({
      target: DeploymentTarget.STANDALONE,
      repos: [volume()],
      restoreFrom: Restore.fromRepo(s3(), { repoTargetTime: '2026-11-26T09:59:00Z', target: RecoveryTarget.time('2026-11-26 10:00:00+00') }),
    });
    const init = find(m, 'StatefulSet', 'hippo-instance1').spec.template.spec.initContainers[0];
    expect(init.command.slice(4)).toEqual(['bootstrap', '--type=time', '--target=2026-11-26 10:00:00+00', '--repo-target-time=2026-11-26 09:59:00+00',
      '--target-action=promote']);
    const restoreConfig = init.env.find((e: any) => e.name === 'RESTORE_CONFIG_ARGS').value;
    expect(restoreConfig).toMatch(/--repo=1$/);
  });

  test('operator: in dataSource.pgbackrest\'s options, quoted for IVYO\'s shell', () => {
    const [cr] = synth({
      target: DeploymentTarget.OPERATOR,
      repos: [volume()],
      restoreFrom: Restore.fromRepo(s3(), { repoTargetTime: '2026-11-26 09:59:00+01:00' }),
    });
    expect(cr.spec.dataSource.pgbackrest.options).toContain('--repo-target-time="2026-11-26 09:59:00+01:00"');
  });

  test('an in-place restore of an object-store repo of the cluster', () => {
    const [cr] = synth({
      target: DeploymentTarget.OPERATOR,
      repos: [s3()],
      inPlaceRestore: Restore.inPlace({ restoreId: 'undo-expire', repoName: 'repo1', confirmOverwrite: true, repoTargetTime: '2026-11-26 09:59:00+00' }),
    });
    expect(cr.spec.backups.pgbackrest.restore.options).toContain('--repo-target-time="2026-11-26 09:59:00+00"');
  });
});

describe('refused', () => {
  test('a volume repo keeps no versions', () => {
    const msg = validationMessage(() => synth({
      target: DeploymentTarget.STANDALONE,
      repos: [volume()],
      inPlaceRestore: Restore.inPlace({ restoreId: 'r1', repoName: 'repo1', confirmOverwrite: true, repoTargetTime: '2026-11-26 09:59:00+00' }),
    }));
    expect(msg).toMatch(/inPlaceRestore\.repoTargetTime: "2026-11-26 09:59:00\+00": reads older versions of the repo's files, but repo1 is a volume repo/);
  });

  test('before pgBackRest 2.54', () => {
    const msg = validationMessage(() => synth({
      target: DeploymentTarget.STANDALONE,
      repos: [volume()],
      pgbackrestVersion: PgBackRestVersion.of('2.53'),
      restoreFrom: Restore.fromRepo(s3(), { repoTargetTime: '2026-11-26 09:59:00+00' }),
    }));
    expect(msg).toMatch(/restoreFrom\.repoTargetTime: .*needs pgBackRest 2\.54 or later \(repo-target-time came in 2\.54\)/);
  });

  test.each([
    ['2026-11-26 09:59:00', /must be .*a time without a zone is read in the server's zone and is refused/],
    ['2026-02-30 09:59:00+00', /is not a real date and time/],
    ['yesterday', /must be "YYYY-MM-DD HH:MM:SS/],
  ])('the time %s', (time, why) => {
    const msg = validationMessage(() => synth({
      target: DeploymentTarget.STANDALONE, repos: [volume()], restoreFrom: Restore.fromRepo(s3(), { repoTargetTime: time }),
    }));
    expect(msg).toMatch(new RegExp(`restoreFrom\\.repoTargetTime: "${time.replace(/[+]/g, '\\+')}": ${why.source}`));
  });

  test('the raw option in a restore\'s options', () => {
    const msg = validationMessage(() => synth({
      target: DeploymentTarget.STANDALONE, repos: [volume()], restoreFrom: Restore.fromRepo(s3(), { options: ['--repo-target-time=2026-11-26 09:59:00+00'] }),
    }));
    expect(msg).toMatch(/restoreFrom\.options.*repo-target-time.*use repoTargetTime/);
  });
});
