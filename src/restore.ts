import { BackupRepo } from './backup-repo';
import type { IvoryCluster } from './ivory-cluster';
import { PgBackRestVersion } from './pgbackrest-version';
import { backupRepo, checkArgument, checkInput } from './private/input';
import { STANZA } from './private/pgbackrest/layout';
import { checkPgBackRestArguments } from './private/pgbackrest/options';
import { checkTimestamp, normaliseTimestamp } from './private/timestamp';
import { checkDnsLabel, checkSince, Problems } from './private/validation';
import { RecoveryTarget } from './recovery-target';

/** The kinds of restore (`Restore.kind`): which factory made it, and what IVYO's spec gets (in parentheses). */
export enum RestoreKind {
  /** A new cluster from a repo of another cluster in the same app (`dataSource.ivoryCluster`): a clone. */
  FROM_CLUSTER = 'fromCluster',
  /** A new cluster from a cluster known only by name, operator target only (`dataSource.ivoryCluster`). */
  FROM_CLUSTER_NAME = 'fromClusterName',
  /**
   * A new cluster from an object-store repo with no live cluster (`dataSource.pgbackrest`): bringing back a
   * cluster that is gone.
   */
  FROM_REPO = 'fromRepo',
  /** Replace this cluster's data (`backups.pgbackrest.restore` and its annotation), e.g. to undo a bad change. */
  IN_PLACE = 'inPlace',
}

/** Options a restore's `options` may not hold, by canonical name (any spelling, any index), and why. */
const REFUSED_RESTORE_OPTIONS: { [option: string]: string } = {
  'repo': 'the repo is chosen with repoName',
  'stanza': `the stanza is always ${STANZA} (or fromRepo's stanza)`,
  'pg-path': 'the data directory is fixed by the cluster',
  'target-action': 'the restore always promotes when it reaches its target',
  'link-map': 'the WAL directory link is set by the cluster',
  'type': 'use the target property (RecoveryTarget)',
  'target': 'use the target property (RecoveryTarget)',
  'target-exclusive': 'use RecoveryTarget options',
  'target-timeline': 'use RecoveryTarget options',
  'set': 'use RecoveryTarget options (backupSet)',
  'repo-target-time': 'use repoTargetTime, which is checked against the repo\'s storage and the pgBackRest version',
};

/** Options common to every restore: where recovery stops, and pgBackRest `restore` options without a property. */
export interface RestoreOptions {
  /**
   * Where recovery stops.
   * @default RecoveryTarget.endOfArchive()
   */
  readonly target?: RecoveryTarget;
  /**
   * More pgBackRest `restore` options, such as `--db-include=app` or `--process-max=4`. Options that choose the
   * repo, stanza, paths, target or target action are refused: they have typed properties or are fixed.
   * @default - none
   */
  readonly options?: string[];
  /**
   * Read the repo as it was at this time (`--repo-target-time`, pgBackRest 2.54 or later), e.g. just before backups
   * or WAL were deleted or overwritten by mistake or by malware. For a repo on versioned object storage only (S3,
   * GCS or Azure with versioning, and ideally object lock or soft delete, turned on), where the older versions of
   * its files are kept. The restore and the WAL it fetches while recovering both read the repo at that time. The
   * same grammar as `RecoveryTarget.time`: a zone is required.
   * @default - the repo as it is now
   */
  readonly repoTargetTime?: string;
}

/** Restoring a new cluster from another cluster's repo: which of its repos, and where recovery stops. */
export interface RestoreFromClusterOptions extends RestoreOptions {
  /**
   * The source cluster's repo to restore from, e.g. the one nearest to the new cluster.
   * @default - the source's lowest-numbered repo (`repo1` if it has one)
   */
  readonly repoName?: string;
}

/**
 * Restoring a new cluster from a cluster known only by name (operator target), for a source that is not declared
 * in this app: another app's, or one made by hand.
 */
export interface RestoreFromClusterNameProps extends RestoreOptions {
  /** The source IvoryCluster's name. */
  readonly clusterName: string;
  /**
   * The source IvoryCluster's namespace.
   * @default - the new cluster's namespace
   */
  readonly clusterNamespace?: string;
  /** The source's repo to restore from. */
  readonly repoName: string;
}

/** Restoring a new cluster from an object-store repo with no live cluster: its stanza, and where recovery stops. */
export interface RestoreFromRepoOptions extends RestoreOptions {
  /**
   * The stanza the backups were taken with; IVYO and this library always use `db`, so set it only for backups
   * taken some other way.
   * @default db
   */
  readonly stanza?: string;
}

/** Replacing a cluster's data with a restore of its own repo: which repo, and the explicit opt-in. */
export interface InPlaceRestoreProps extends RestoreOptions {
  /**
   * Identifies this restore. A new value starts a new restore; keeping it re-synthesizes without restoring again.
   * 1 to 63 letters, digits, `-`, `_` or `.`, starting and ending with a letter or digit (it becomes a label and
   * annotation value), e.g. `2026-11-26-undo-migration`.
   */
  readonly restoreId: string;
  /** The cluster's repo to restore from. */
  readonly repoName: string;
  /**
   * Must be true: an in-place restore replaces the cluster's data (a delta restore reuses unchanged files).
   */
  readonly confirmOverwrite: boolean;
}

/**
 * A restore: into a new cluster (`restoreFrom`), or in place (`inPlaceRestore`), with a typed recovery target.
 * The repo's encryption and credentials travel with it. Pick the factory by what is known of the source: a cluster
 * of this app, a cluster's name, or only its repo.
 */
export class Restore {
  /**
   * Restore a new cluster from a repo of a cluster declared in the same app, in any namespace: a clone, e.g. for a
   * test copy of production. The source must use the same target; the standalone target reads a volume repo only
   * in the same namespace.
   */
  public static fromCluster(source: IvoryCluster, options: RestoreFromClusterOptions = {}): Restore {
    const input = new Problems();
    options = checkInput(input, 'RestoreFromClusterOptions', options);
    // The source is checked by the cluster restored into, which knows IvoryCluster.
    return new Restore(RestoreKind.FROM_CLUSTER, options, { source, repoName: options.repoName }, input);
  }

  /**
   * Restore a new cluster from an IvoryCluster known only by name, e.g. one of another app. The operator target
   * only: the standalone target needs the source repo's settings (use `fromRepo`).
   */
  public static fromClusterName(props: RestoreFromClusterNameProps): Restore {
    const input = new Problems();
    props = checkInput(input, 'RestoreFromClusterNameProps', props);
    return new Restore(RestoreKind.FROM_CLUSTER_NAME, props, {
      clusterName: props.clusterName, clusterNamespace: props.clusterNamespace, repoName: props.repoName,
    }, input);
  }

  /**
   * Restore a new cluster from an object-store repo whose cluster is gone. Give the repo the `path` the backups
   * were written to; its credentials and encryption are used for the restore.
   */
  public static fromRepo(repo: BackupRepo, options: RestoreFromRepoOptions = {}): Restore {
    const input = new Problems();
    const checkedRepo = checkArgument(input, 'repo', repo, backupRepo);
    options = checkInput(input, 'RestoreFromRepoOptions', options);
    return new Restore(RestoreKind.FROM_REPO, options, { repo: checkedRepo, stanza: options.stanza ?? STANZA }, input);
  }

  /**
   * Restore this cluster's data in place, e.g. to a time before a bad change. Destructive: needs
   * `confirmOverwrite: true`. The standalone target restores in place with one instance, or, with
   * `highAvailability`, replicas and all: a new Patroni cluster of the restore on the members' volumes (keep the
   * restore in the code afterwards; a new `restoreId` is the next restore).
   */
  public static inPlace(props: InPlaceRestoreProps): Restore {
    const input = new Problems();
    props = checkInput(input, 'InPlaceRestoreProps', props);
    return new Restore(RestoreKind.IN_PLACE, props, {
      repoName: props.repoName, restoreId: props.restoreId, confirmOverwrite: props.confirmOverwrite,
    }, input);
  }

  /** The kind of restore: which factory made it. */
  public readonly kind: RestoreKind;
  /** Where recovery stops. */
  public readonly target: RecoveryTarget;
  /** Extra pgBackRest `restore` options. */
  public readonly options: string[];
  /** The time the repo is read as of (`repoTargetTime`), if any. */
  public readonly repoTargetTime?: string;
  /** The source cluster, for FROM_CLUSTER. */
  public readonly source?: IvoryCluster;
  /** The source repo, for FROM_REPO. */
  public readonly repo?: BackupRepo;
  /** The repo name, where chosen. */
  public readonly repoName?: string;
  /** The source cluster name, for FROM_CLUSTER_NAME. */
  public readonly clusterName?: string;
  /** The source cluster namespace, for FROM_CLUSTER_NAME. */
  public readonly clusterNamespace?: string;
  /** The stanza, for FROM_REPO. */
  public readonly stanza?: string;
  /** The restore id, for IN_PLACE. */
  public readonly restoreId?: string;
  /** The explicit opt-in, for IN_PLACE. */
  public readonly confirmOverwrite?: boolean;
  /** What was wrong with the arguments' types, reported under the cluster's field for this value. @internal */
  public readonly _input: Problems;

  private constructor(kind: RestoreKind, options: RestoreOptions, fields: {
    source?: IvoryCluster;
    repo?: BackupRepo;
    repoName?: string;
    clusterName?: string;
    clusterNamespace?: string;
    stanza?: string;
    restoreId?: string;
    confirmOverwrite?: boolean;
  }, input: Problems) {
    this._input = input;
    this.kind = kind;
    this.target = options.target ?? RecoveryTarget.endOfArchive();
    this.options = options.options ?? [];
    this.repoTargetTime = options.repoTargetTime;
    Object.assign(this, fields);
  }

  /** The pgBackRest restore arguments from the target and the extra options, as an argument vector. */
  public toArguments(): string[] {
    return [...this.target.toArguments(), ...this._repoTargetArguments(), ...this.options];
  }

  /** `--repo-target-time`, normalised as the recovery target's time is. @internal */
  public _repoTargetArguments(): string[] {
    return this.repoTargetTime === undefined ? [] : [`--repo-target-time=${normaliseTimestamp(this.repoTargetTime)}`];
  }

  /** @internal */
  public _validate(problems: Problems, field: string, version: PgBackRestVersion): void {
    problems.mergeAt(field, this._input);
    if (!(this.target instanceof RecoveryTarget)) {
      problems.add(`${field}.target`, this.target, 'must be a RecoveryTarget');
    } else {
      this.target._validate(problems, `${field}.target`);
    }
    checkPgBackRestArguments(problems, `${field}.options`, this.options, 'restore', REFUSED_RESTORE_OPTIONS);
    if (this.repoTargetTime !== undefined && checkTimestamp(problems, `${field}.repoTargetTime`, this.repoTargetTime)) {
      checkSince(problems, `${field}.repoTargetTime`, this.repoTargetTime, 'repo-target-time', version, 54);
    }
    if (this.repoName !== undefined && !/^repo[1-4]$/.test(this.repoName)) {
      problems.add(`${field}.repoName`, this.repoName, 'must be one of repo1, repo2, repo3, repo4');
    }
    if (this.kind === RestoreKind.FROM_CLUSTER_NAME) {
      checkDnsLabel(problems, `${field}.clusterName`, this.clusterName as string);
      if (this.clusterNamespace !== undefined) checkDnsLabel(problems, `${field}.clusterNamespace`, this.clusterNamespace);
    }
    if (this.kind === RestoreKind.FROM_REPO) {
      if (!(this.repo instanceof BackupRepo)) {
        problems.add(`${field}.repo`, this.repo, 'must be a BackupRepo');
      } else {
        this.repo._validate(problems, `${field}.repo`, version);
        if (this.repo.requestedPath === undefined) {
          problems.addRaw(`${field}.repo.path`, 'a repo restored without its cluster needs the path its backups were written to');
        }
      }
      if (typeof this.stanza !== 'string' || !/^[A-Za-z0-9][-_.A-Za-z0-9]*$/.test(this.stanza)) {
        problems.add(`${field}.stanza`, this.stanza, 'must be a stanza name: letters, digits, \'-\', \'_\' and \'.\'');
      }
    }
    if (this.kind === RestoreKind.IN_PLACE) {
      if (this.confirmOverwrite !== true) {
        problems.add(`${field}.confirmOverwrite`, this.confirmOverwrite,
          'an in-place restore replaces the cluster\'s data; set confirmOverwrite: true to allow it');
      }
      if (typeof this.restoreId !== 'string' || !/^[A-Za-z0-9]([-_.A-Za-z0-9]{0,61}[A-Za-z0-9])?$/.test(this.restoreId)) {
        problems.add(`${field}.restoreId`, this.restoreId, 'must be 1 to 63 letters, digits, \'-\', \'_\' or \'.\', starting and ending with a letter or digit (it becomes a label value)');
      }
    }
  }
}
