/**
 * Where pgBackRest's things are, and what they are called: the stanza, repo names and indexes, repo paths and the
 * directories of logs and the async spool. Both targets and the scripts take them from here, so that IVYO's layout
 * is written down once.
 */
import { RecoveryTargetType } from '../../recovery-target';
import { RepoStorage } from '../../repo-credentials';
import { DATA_MOUNT } from '../postgres/layout';
import { Problems } from '../validation';

/** The stanza IVYO creates in every repo. */
export const STANZA = 'db';

/** The names a cluster's repos take, in index order: pgBackRest and IVYO stop at four. */
export const REPO_NAMES = ['repo1', 'repo2', 'repo3', 'repo4'];

/** True when `name` is one of `repo1`..`repo4`. */
export function isRepoName(name: unknown): name is string {
  return typeof name === 'string' && REPO_NAMES.includes(name);
}

/** The index of a repo name (`repo3` is 3): its pgBackRest options are `repo3-...`. */
export function repoIndex(name: string): number {
  return Number(name.slice('repo'.length));
}

/** Where a volume repo's claim is mounted, and its path unless one is given. */
export function repoMountPath(name: string): string {
  return `/pgbackrest/${name}`;
}

/** IVYO's default path of an object-store repo, which keeps the clusters of one bucket apart by namespace and name. */
export function objectStoreRepoPath(name: string, namespace: string, cluster: string): string {
  return `/pgbackrest/${namespace}/${cluster}/${name}`;
}

/** The path of a repo left without one: a volume repo's mount, or IVYO's default for object stores. */
export function defaultRepoPath(storage: RepoStorage, name: string, namespace: string, cluster: string): string {
  return storage === RepoStorage.VOLUME ? repoMountPath(name) : objectStoreRepoPath(name, namespace, cluster);
}

/** The path of a repo whose `repoN-path` is not given: IVYO writes this one itself (the operator target leaves it out). */
export function pgbackrestDefaultRepoPath(name: string): string {
  return repoMountPath(name);
}

/** On the instances, pgBackRest's logs and the async archive spool live on the data volume (the root is read-only). */
export const INSTANCE_PGBACKREST_DIR = `${DATA_MOUNT}/pgbackrest`;
export const INSTANCE_LOG_DIR = `${INSTANCE_PGBACKREST_DIR}/log`;
export const SPOOL_DIR = `${INSTANCE_PGBACKREST_DIR}/spool`;
/** Jobs are short-lived: they log to the console, and a file log (if any) goes to scratch space. */
export const JOB_LOG_DIR = '/tmp/pgbackrest/log';

/** The repo host logs beside the first volume repo it serves. */
export function repoHostLogDir(name: string): string {
  return `${repoMountPath(name)}/log`;
}

/**
 * A restore's arguments on the standalone target, where the restore recovers to its target and opens: the restore's
 * own (target, options) and, for a target that stops early, the promotion there (targetActionArgs).
 */
export function promotingRestoreArgs(restore: { readonly target: { readonly targetType: RecoveryTargetType }; toArguments(): string[] }): string[] {
  return [...restore.toArguments(), ...targetActionArgs(restore.target.targetType)];
}

/** A restore's argument that puts pg_wal on the WAL volume (a symlink, as the instance had it); none without one. */
export function walLinkMapArgs(walDir: string | undefined): string[] {
  return walDir ? [`--link-map=pg_wal=${walDir}`] : [];
}

/**
 * What a restore that stops before the end of the archive does there: promote, so the restored cluster opens
 * read-write (pgBackRest's default, `pause`, would leave it read-only waiting for a person).
 */
export function targetActionArgs(targetType: RecoveryTargetType): string[] {
  return targetType === RecoveryTargetType.END_OF_ARCHIVE ? [] : ['--target-action=promote'];
}

/**
 * Repo paths: absolute and normalised (no `//`, no trailing `/`, which pgBackRest refuses; no `.` or `..` segment,
 * which would take a volume repo out of its mount and make two spellings of one location), one line of printable
 * characters without spaces (the path is written into pgBackRest's conf file).
 */
export function checkRepoPath(problems: Problems, field: string, path: string): void {
  if (typeof path !== 'string' || !/^\/([^/\s\x00-\x1f\x7f]+(\/[^/\s\x00-\x1f\x7f]+)*)?$/.test(path)) {
    problems.add(field, path, 'must be an absolute path without "//", spaces, control characters or a trailing "/"');
  } else if (path.split('/').some(segment => segment === '.' || segment === '..')) {
    problems.add(field, path, 'must be a normalised path: no "." or ".." segment');
  }
}

/**
 * The names a list of repos gets: a valid requested name is kept (the first of duplicates keeps it), and the others
 * take the free names in order, so adding a named repo never renames another. Undefined where none is left.
 */
export function assignRepoNames(requested: (string | undefined)[]): (string | undefined)[] {
  const taken = new Set<string>();
  const keeps = requested.map(name => {
    if (!isRepoName(name) || taken.has(name)) return false;
    taken.add(name);
    return true;
  });
  const free = REPO_NAMES.filter(n => !taken.has(n));
  return requested.map((name, i) => (keeps[i] ? name : free.shift()));
}
