import { REPO_NAMES } from './backup-repo';
import { ClusterModel, ResolvedRepo } from './cluster-model';
import { IvoryCluster } from './ivory-cluster';
import { RESTORE_SOURCE_INDEX } from './pgbackrest-config';
import { RepoStorage } from './repo-credentials';
import { RestoreKind } from './restore';

/** The repo a new cluster is restored from, resolved against its source. */
export interface RestoreSourceRepo {
  readonly repo: ResolvedRepo;
  readonly stanza: string;
  /**
   * Its index in the standalone restore config: RESTORE_SOURCE_INDEX for object stores; a volume repo keeps its
   * own, which its repo host serves.
   */
  readonly standaloneIndex: number;
  /** The source cluster, when it is declared in the app. */
  readonly sourceModel?: ClusterModel;
}

/** The repo `model.restoreFrom` reads from, or undefined when the cluster is not created from a backup. */
export function restoreSource(model: ClusterModel): RestoreSourceRepo | undefined {
  const restore = model.restoreFrom;
  if (!restore) return undefined;
  if (restore.kind === RestoreKind.FROM_CLUSTER && restore.source instanceof IvoryCluster) {
    const sourceModel = restore.source._model;
    const repo = sourceModel.repos.find(r => r.name === (restore.repoName ?? sourceModel.repos[0].name));
    return repo ? { repo, stanza: 'db', sourceModel, standaloneIndex: repo.storage === RepoStorage.VOLUME ? repo.index : RESTORE_SOURCE_INDEX } : undefined;
  }
  if (restore.kind === RestoreKind.FROM_REPO && restore.repo) {
    // The source gets a name the new cluster's own repos do not use, so their credentials cannot clash.
    const own = model.repos.map(r => r.name);
    const requested = restore.repo.requestedName;
    const name = requested !== undefined && !own.includes(requested) ? requested : REPO_NAMES.find(n => !own.includes(n)) ?? 'repo1';
    return {
      repo: {
        name,
        index: Number(name.slice(4)),
        repo: restore.repo,
        path: restore.repo.requestedPath ?? `/pgbackrest/${name}`,
        storage: restore.repo.storage,
        field: 'restoreFrom.repo',
      },
      stanza: restore.stanza ?? 'db',
      standaloneIndex: RESTORE_SOURCE_INDEX,
    };
  }
  return undefined;
}
