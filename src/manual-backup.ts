import { createHash } from 'crypto';
import { Construct } from 'constructs';
import { BackupType } from './backup-type';
import { checkInput } from './private/input';
import { isRepoName, STANZA } from './private/pgbackrest/layout';
import { checkPgBackRestArguments } from './private/pgbackrest/options';
import { Problems } from './private/validation';

/**
 * Properties of a {@link ManualBackup}: which repo, which backup type, and the id that decides whether
 * re-synthesizing takes the backup again.
 */
export interface ManualBackupProps {
  /** The repo to back up to: one of the cluster's, `repo1`..`repo4`. */
  readonly repoName: string;
  /**
   * The backup type.
   * @default BackupType.FULL
   */
  readonly backupType?: BackupType;
  /**
   * Identifies this backup. A new value takes a new backup; the same value re-synthesizes without one.
   *
   * Format: 1 to 32 lowercase letters, digits or `-`, starting and ending with a letter or digit, such as
   * `before-v2-migration` or `2026-11-26-1`. It becomes the value of IVYO's `pgbackrest-backup` annotation and, with
   * the standalone target, part of the Job's name (`<cluster>-backup-<backupId>`, with a hash of the id instead
   * when that is longer than 63 characters).
   * @default - derived from the repo, type and options (a short hash), so it changes only when they do
   */
  readonly backupId?: string;
  /**
   * More pgBackRest `backup` options, e.g. `--annotation=reason=pre-upgrade`. `--repo` and `--type` have
   * properties of their own; `--start-fast` is added unless `tuning.startFastManual` is false.
   * @default - none
   */
  readonly options?: string[];
}

/** Options a manual backup's `options` may not hold, by canonical name (any spelling), and why. */
const REFUSED_BACKUP_OPTIONS: { [option: string]: string } = {
  repo: 'the repo is chosen with repoName',
  type: 'the type is chosen with backupType',
  stanza: `the stanza is always ${STANZA}`,
};

/**
 * A declared one-off backup: IVYO's annotation trigger (operator target) or a Job (standalone target), with a
 * stable id so that re-synthesizing does not take it again. A cluster takes one at a time, as IVYO does: add it with
 * `cluster.addManualBackup(id, props)` (or the cluster's `manualBackup` prop).
 */
export class ManualBackup extends Construct {
  /**
   * Checks manual backup props on their own (the repo's existence is checked by the cluster at synth).
   * @internal
   */
  public static _check(problems: Problems, field: string, props: ManualBackupProps): ManualBackupProps {
    const input = new Problems();
    props = checkInput(input, 'ManualBackupProps', props);
    problems.mergeAt(field, input);
    const at = (f: string) => (field === '' ? f : `${field}.${f}`);
    if (!isRepoName(props.repoName)) {
      problems.add(at('repoName'), props.repoName, 'must be one of repo1, repo2, repo3, repo4');
    }
    if (props.backupType !== undefined && !Object.values(BackupType).includes(props.backupType)) {
      problems.add(at('backupType'), props.backupType, `must be one of ${Object.values(BackupType).join(', ')}`);
    }
    if (props.backupId !== undefined && (typeof props.backupId !== 'string' || !/^[a-z0-9]([-a-z0-9]{0,30}[a-z0-9])?$/.test(props.backupId))) {
      problems.add(at('backupId'), props.backupId, 'must be 1 to 32 lowercase letters, digits or \'-\', starting and ending with a letter or digit (it becomes part of a Job name)');
    }
    checkPgBackRestArguments(problems, at('options'), props.options ?? [], 'backup', REFUSED_BACKUP_OPTIONS);
    return props;
  }

  /** The repo backed up to. */
  public readonly repoName: string;
  /** The backup type: full unless another was asked for. */
  public readonly backupType: BackupType;
  /** Extra pgBackRest `backup` options. */
  public readonly options: string[];
  /** The stable id: the one given, or a hash of the repo, type and options. */
  public readonly backupId: string;

  /**
   * Declares a manual backup of the cluster `scope`. Props are checked here; whether the repo is one of the
   * cluster's is checked at synth.
   * @param scope the IvoryCluster to back up
   * @param id the construct id
   * @param props the repo, the backup type and the id of the backup
   */
  constructor(scope: Construct, id: string, props: ManualBackupProps) {
    super(scope, id);
    const problems = new Problems();
    props = ManualBackup._check(problems, '', props);
    problems.throwIfAny(this);
    this.repoName = props.repoName;
    this.backupType = props.backupType ?? BackupType.FULL;
    this.options = props.options ?? [];
    this.backupId = props.backupId ?? createHash('sha256')
      .update(JSON.stringify([props.repoName, this.backupType, this.options])).digest('hex').slice(0, 10);
  }
}
