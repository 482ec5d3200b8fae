import { ClusterModel, ResolvedRepo } from './cluster-model';
import { modelOf } from './registry';
import { CredentialSourceKind } from '../../credential-source';
import { RepoStorage } from '../../repo-credentials';
import { RestoreKind } from '../../restore';
import { RESTORE_SOURCE_INDEX, secureBindings, secureSources } from '../pgbackrest/config';
import { isRepoName, pgbackrestDefaultRepoPath, REPO_NAMES, repoIndex, STANZA } from '../pgbackrest/layout';

/** The repo a new cluster is restored from, resolved against its source. */
export interface RestoreSourceRepo {
  /** The source repo under the name its backups and credentials use: the source cluster's, or the one given. */
  readonly repo: ResolvedRepo;
  readonly stanza: string;
  /**
   * Its index in the standalone restore config (its own file, read with its own `--repo=`): the repo's own index,
   * unless this cluster passes credentials of that index as environment variables, which the restore would read
   * too; then RESTORE_SOURCE_INDEX (library-generated credentials follow it). See `sourceIndexConflict`.
   */
  readonly standaloneIndex: number;
  /** The source cluster, when it is declared in the app. */
  readonly sourceModel?: ClusterModel;
}

/** The repo `model.restoreFrom` reads from, or undefined when the cluster is not created from a backup. */
export function restoreSource(model: ClusterModel): RestoreSourceRepo | undefined {
  const restore = model.restoreFrom;
  if (!restore) return undefined;
  const sourceModel = restore.kind === RestoreKind.FROM_CLUSTER ? modelOf(restore.source) : undefined;
  if (sourceModel) {
    const repo = sourceModel.repos.find(r => r.name === (restore.repoName ?? sourceModel.repos[0]?.name));
    return repo ? { repo, stanza: STANZA, sourceModel, standaloneIndex: standaloneIndex(model, repo) } : undefined;
  }
  if (restore.kind === RestoreKind.FROM_REPO && restore.repo) {
    // The name given is kept: a conf-file Secret of the source names its index. Unnamed, the source is repo1.
    const requested = restore.repo.requestedName;
    const name = isRepoName(requested) ? requested : REPO_NAMES[0];
    const repo: ResolvedRepo = {
      name,
      index: repoIndex(name),
      repo: restore.repo,
      path: restore.repo.requestedPath ?? pgbackrestDefaultRepoPath(name),
      storage: restore.repo.storage,
      field: 'restoreFrom.repo',
    };
    return { repo, stanza: restore.stanza ?? STANZA, standaloneIndex: standaloneIndex(model, repo) };
  }
  return undefined;
}

/** Indexes whose credentials the repos pass as environment variables (standalone target: `PGBACKREST_REPO<N>_...`). */
function envIndexes(repos: ResolvedRepo[]): Set<number> {
  return new Set(secureBindings(repos)
    .filter(b => b.source.kind === CredentialSourceKind.SECRET && !b.asFile)
    .map(b => Number(/^repo(\d+)-/.exec(b.option)?.[1])));
}

/** True when the user wrote files that name the repo's index: `RepoCredentials.fromConfSecret`, `CredentialSource.fromConfSecret`. */
export function namesIndexInConfFiles(r: ResolvedRepo): boolean {
  return r.repo._storage.credentials?._spec.confSecret !== undefined
    || secureSources(r).some(s => s.source.kind === CredentialSourceKind.CONF_FILE);
}

/**
 * Whether the standalone restore can read the source under index `i` in its own config: the instance containers
 * carry the environment variables of both, so this cluster's variables of index `i` would reach the restore and the
 * source's would reach this cluster's own repo `i`.
 */
function clashes(model: ClusterModel, r: ResolvedRepo, i: number): boolean {
  return envIndexes(model.repos).has(i) || (envIndexes([r]).size > 0 && model.repos.some(own => own.index === i));
}

function standaloneIndex(model: ClusterModel, r: ResolvedRepo): number {
  // A volume repo is served by its cluster's repo host under its own index.
  if (r.storage === RepoStorage.VOLUME || !clashes(model, r, r.index) || namesIndexInConfFiles(r)) return r.index;
  return RESTORE_SOURCE_INDEX;
}

/**
 * Why the standalone restore cannot read the source under its own index while its conf files name that index, or
 * undefined. Says which index a conf file could use instead.
 */
export function sourceIndexConflict(model: ClusterModel, source: RestoreSourceRepo): string | undefined {
  const r = source.repo;
  if (r.storage === RepoStorage.VOLUME || !namesIndexInConfFiles(r) || !clashes(model, r, r.index)) return undefined;
  const own = model.repos.find(o => o.index === r.index);
  const free = REPO_NAMES.map(repoIndex).find(i => !clashes(model, r, i));
  const why = envIndexes(model.repos).has(r.index)
    ? `this cluster's own ${r.name} (${own?.field}) passes credentials as environment variables (PGBACKREST_REPO${r.index}_...), which the restore would read as the source's`
    : `the source passes credentials as environment variables (PGBACKREST_REPO${r.index}_..., CredentialSource.fromSecret), which this cluster's own ${r.name} (${own?.field}) would read as its own`;
  const fix = free !== undefined
    ? `name the source repo${free} (and write repo${free}-... in its conf file), or give this cluster's repo another name`
    : 'give this cluster\'s repo another name, or take the credentials from conf files (CredentialSource.fromConfSecret)';
  return `${why}, and the source's conf-file Secret names ${r.name}: it cannot be read under another index; ${fix}`;
}
