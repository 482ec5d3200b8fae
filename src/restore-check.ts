import { Size } from 'cdk8s';
import { Construct } from 'constructs';
import { cronProblem, CRON_ALLOWED } from './private/cron/cron';
import { checkInput } from './private/input';
import { isRepoName } from './private/pgbackrest/layout';
import { Problems } from './private/validation';
import { RecoveryTarget } from './recovery-target';

/**
 * Properties of a {@link RestoreCheck}: which repo, to which target, when, and the query the restored copy must
 * answer.
 */
export interface RestoreCheckProps {
  /**
   * Identifies the check; part of its Job or CronJob name (`<cluster>-restore-check-<checkId>`): 1 to 22 lowercase
   * letters, digits or `-`, starting and ending with a letter or digit. Required in the cluster's `restoreChecks` prop.
   * @default - the construct id
   */
  readonly checkId?: string;
  /** The repo whose backups are restored. */
  readonly repoName: string;
  /**
   * Where recovery stops, e.g. a time to prove that point-in-time recovery reaches it.
   * @default RecoveryTarget.endOfArchive()
   */
  readonly target?: RecoveryTarget;
  /**
   * Run it on a schedule (a CronJob, Kubernetes cron syntax) instead of once (a Job), to keep proving the backups
   * restorable. The CronJob has no time zone, so it follows the kube-controller-manager's.
   * @default - once
   */
  readonly schedule?: string;
  /**
   * SQL the restored database must answer, e.g. `select count(*) from orders`. Its output is printed.
   * @default select count(*) from pg_class
   */
  readonly query?: string;
  /**
   * The database the query runs in.
   * @default postgres
   */
  readonly database?: string;
  /**
   * Size of the scratch volume the backup is restored into (a generic ephemeral volume, deleted with the pod).
   * @default - the first instance set's data volume size
   */
  readonly volumeSize?: Size;
}

/**
 * Proves backups restorable (standalone target): a Job restores a repo's backup into a scratch volume, recovers it
 * to the target, starts PostgreSQL on it and runs a query. Nothing is archived from the copy and the cluster is
 * not touched. Untested backups are not backups. Add it with `cluster.addRestoreCheck(id, props)` (or the
 * cluster's `restoreChecks` prop).
 */
export class RestoreCheck extends Construct {
  /**
   * Checks restore-check props on their own (the repo's existence is checked by the cluster at synth).
   * @internal
   */
  public static _check(problems: Problems, field: string, props: RestoreCheckProps, defaultId?: string): RestoreCheckProps {
    const input = new Problems();
    props = checkInput(input, 'RestoreCheckProps', props);
    problems.mergeAt(field, input);
    const at = (f: string) => (field === '' ? f : `${field}.${f}`);
    const checkId = props.checkId ?? defaultId;
    if (typeof checkId !== 'string' || !/^[a-z0-9]([-a-z0-9]{0,20}[a-z0-9])?$/.test(checkId)) {
      problems.add(at('checkId'), checkId, `must be 1 to 22 lowercase letters, digits or '-', starting and ending with a letter or digit${defaultId === undefined ? ' (a check in restoreChecks needs one)' : ''}`);
    }
    if (!isRepoName(props.repoName)) problems.add(at('repoName'), props.repoName, 'must be one of repo1, repo2, repo3, repo4');
    if (props.target instanceof RecoveryTarget) props.target._validate(problems, at('target'));
    if (props.schedule !== undefined) {
      const problem = cronProblem(props.schedule);
      if (problem) problems.add(at('schedule'), props.schedule, `${problem}; allowed: ${CRON_ALLOWED}`);
    }
    if (props.query !== undefined && (typeof props.query !== 'string' || props.query.trim() === '' || /[\r\n]/.test(props.query))) {
      problems.add(at('query'), props.query, 'must be one line of SQL');
    }
    if (props.database !== undefined && !/^[A-Za-z_][A-Za-z0-9_$]{0,62}$/.test(String(props.database))) {
      problems.add(at('database'), props.database, 'must be a database name');
    }
    if (props.volumeSize !== undefined && !(props.volumeSize instanceof Size && props.volumeSize.toKibibytes() >= 1024)) {
      problems.add(at('volumeSize'), props.volumeSize, 'must be a cdk8s Size of at least 1 MiB');
    }
    return props;
  }

  /** The id, part of the Job or CronJob name. */
  public readonly checkId: string;
  /** The repo restored from. */
  public readonly repoName: string;
  /** The recovery target. */
  public readonly target: RecoveryTarget;
  /** The cron, if scheduled. */
  public readonly schedule?: string;
  /** The query the restored copy must answer. */
  public readonly query: string;
  /** The database of the query. */
  public readonly database: string;
  /** The scratch volume size, if chosen; else the first instance set's data volume size. */
  public readonly volumeSize?: Size;

  /**
   * Declares a restore check of the cluster `scope`; its id is the construct id unless `checkId` is given.
   * @param scope the IvoryCluster whose backups are checked
   * @param id the construct id, and the check's id unless `props.checkId` is given
   * @param props the repo, the target, the schedule and the query
   */
  constructor(scope: Construct, id: string, props: RestoreCheckProps) {
    super(scope, id);
    const problems = new Problems();
    props = RestoreCheck._check(problems, '', props, id);
    problems.throwIfAny(this);
    this.checkId = props.checkId ?? id;
    this.repoName = props.repoName;
    this.target = props.target ?? RecoveryTarget.endOfArchive();
    this.schedule = props.schedule;
    this.query = props.query ?? 'select count(*) from pg_class';
    this.database = props.database ?? 'postgres';
    this.volumeSize = props.volumeSize;
  }
}
