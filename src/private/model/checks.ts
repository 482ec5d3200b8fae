/**
 * Checks that need the whole cluster, or other clusters of the app: references to repos, restore sources and
 * standbys, credentials against the cluster's settings, and repo locations that two writers would share. They run
 * at synth, when everything has been added.
 */
import { IConstruct } from 'constructs';
import { claimedBy } from './app-registry';
import { ClusterModel, ResolvedRepo } from './cluster-model';
import { modelOf } from './registry';
import { restoreSource } from './restore-source';
import { BackupSource } from '../../backup-source';
import { DeploymentTarget } from '../../deployment-target';
import { RepoStorage } from '../../repo-credentials';
import { Restore, RestoreKind } from '../../restore';
import { secureSources } from '../pgbackrest/config';
import { objectStoreRepoPath } from '../pgbackrest/layout';
import { checkGlobalOptions } from '../pgbackrest/options';
import { checkSince, Problems } from '../validation';

/** Every check of the whole cluster; `fieldOf` names each added construct's field in messages. */
export function checkCluster(scope: IConstruct, model: ClusterModel, fieldOf: (child: IConstruct) => string, problems: Problems): void {
  if (model.repos.length === 0) {
    problems.add('repos', [], 'must list one to four BackupRepos (BackupRepo.volume, .s3, .gcs or .azure): give repos, or call addRepo');
    return;
  }
  // Options of a repo the cluster does not have, or that a typed prop of its repo sets, are refused.
  checkGlobalOptions(problems, 'pgbackrestOptions', model.userGlobal,
    model.repos.map(r => ({ index: r.index, field: r.field, retention: r.repo.retention !== undefined })));
  checkReferences(model, fieldOf, problems);
  if (model.standby && model.users.length) {
    problems.addRaw('users', 'a standby cluster replays its primary\'s catalog and cannot create roles or set passwords: declare the users on the primary cluster (their roles reach the standby by replication)');
  }
  if (model.target === DeploymentTarget.OPERATOR) {
    for (const p of model.instances.flatMap(set => set.standaloneOnly)) problems.add(p.field, p.value, `is for the standalone target only: ${p.why}`);
  }
  checkCredentials(model, problems);
  checkBackupSource(model, problems);
  checkRepoWriters(scope, model, problems);
  checkAppClaims(scope, model, problems);
}

function checkReferences(model: ClusterModel, fieldOf: (child: IConstruct) => string, problems: Problems): void {
  const repoNames = model.repos.map(r => r.name);
  const knownRepo = (field: string, repoName: string | undefined, what: string) => {
    if (repoName !== undefined && !repoNames.includes(repoName)) {
      problems.add(field, repoName, `${what} must be one of this cluster's repos: ${repoNames.join(', ')}`);
    }
  };

  const restoreFrom = model.restoreFrom;
  if (restoreFrom?.kind === RestoreKind.FROM_CLUSTER) {
    const source = modelOf(restoreFrom.source);
    if (!source) {
      problems.add('restoreFrom.source', restoreFrom.source, 'must be an IvoryCluster of this app');
    } else {
      const sourceRepos = source.repos.map(r => r.name);
      const repoName = restoreFrom.repoName ?? sourceRepos[0];
      if (!sourceRepos.includes(repoName)) {
        problems.add('restoreFrom.repoName', repoName, `is not a repo of the source cluster ${source.name}: it has ${sourceRepos.join(', ')}`);
      }
      if (source.name === model.name && source.namespace === model.namespace) {
        problems.add('restoreFrom.source', source.name, 'a cluster cannot be created from itself; use inPlaceRestore');
      }
    }
  }
  if (model.inPlaceRestore) knownRepo('inPlaceRestore.repoName', model.inPlaceRestore.repoName, 'the repo restored from');
  checkRepoTargetTimes(model, problems);

  const standby = model.standby;
  if (standby) {
    knownRepo('standby.repoName', standby.repoName, 'the repo a standby replays from');
    const fed = model.repos.find(r => r.name === standby.repoName);
    if (fed?.storage === RepoStorage.VOLUME) {
      problems.add('standby.repoName', fed.name, `is a volume repo (${fed.field}): this cluster's own, new volume, where the primary never archived; a standby reads the primary's WAL from an object-store repo with the primary's bucket and path, or streams it (Standby.fromHost)`);
    } else if (fed !== undefined && fed.repo.requestedPath === undefined) {
      problems.add('standby.repoName', fed.name, `${fed.field} has no path, so it is this cluster's own, empty location (${fed.path}); give ${fed.field} the path the primary cluster's repo writes to (its default is /pgbackrest/<namespace>/<cluster>/<repo name>; write it out even when it is the same)`);
    }
  }

  if (model.manualBackup) knownRepo(`${fieldOf(model.manualBackup)}.repoName`, model.manualBackup.repoName, 'the repo backed up to');
  for (const check of model.restoreChecks) knownRepo(`${fieldOf(check)}.repoName`, check.repoName, 'the repo restored from');
  for (const deletion of model.backupDeletions) {
    knownRepo(`${fieldOf(deletion)}.repoName`, deletion.repoName, 'the repo to delete from');
    if (deletion.oldest) checkSince(problems, `${fieldOf(deletion)}.oldest`, true, 'expire --oldest', model.version, 58);
  }
}

/**
 * `repoTargetTime` reads older versions of the repo's files: only object stores keep them. (A source known only by
 * name has a storage the library does not know; pgBackRest refuses it there if it cannot.)
 */
function checkRepoTargetTimes(model: ClusterModel, problems: Problems): void {
  const inPlace = model.inPlaceRestore;
  const restores: { field: string; restore: Restore; repo?: ResolvedRepo }[] = [];
  if (model.restoreFrom) restores.push({ field: 'restoreFrom', restore: model.restoreFrom, repo: restoreSource(model)?.repo });
  if (inPlace) restores.push({ field: 'inPlaceRestore', restore: inPlace, repo: model.repos.find(r => r.name === inPlace.repoName) });
  for (const { field, restore, repo } of restores) {
    if (restore.repoTargetTime === undefined || repo?.storage !== RepoStorage.VOLUME) continue;
    problems.add(`${field}.repoTargetTime`, restore.repoTargetTime, `reads older versions of the repo's files, but ${repo.name} is a volume repo, `
      + 'which keeps none: only S3, GCS and Azure repos with versioning turned on can be read at a time');
  }
}

/**
 * Backups from a standby need a standby: more than one instance. The operator target cannot take
 * BackupSource.STANDBY: IVYO runs an object-store repo's backups in the primary's own pod, whose pgBackRest config
 * names no other instance, and its first backup (the one replicas are created from) reads the same `global` while
 * no standby runs yet; it has no option per backup to read that one from the primary.
 */
function checkBackupSource(model: ClusterModel, problems: Problems): void {
  if (model.backupSource !== BackupSource.STANDBY) return;
  const instances = model.instances.reduce((n, set) => n + set.replicas, 0);
  if (instances < 2) {
    problems.add('backupJobs.source', 'BackupSource.STANDBY', `needs a standby to read from, but the cluster has ${instances} instance: `
      + 'give an instance set replicas: 2 or more, or use BackupSource.PREFER_STANDBY (falls back to the primary)');
  }
  if (model.target === DeploymentTarget.OPERATOR) {
    problems.add('backupJobs.source', 'BackupSource.STANDBY', 'cannot be rendered for IVYO: it runs object-store backups in the primary\'s pod, '
      + 'where pgBackRest knows no standby, and takes the first backup (which replicas are created from) with the same global options, when no standby '
      + 'may run yet; use BackupSource.PREFER_STANDBY, which reads from a standby where pgBackRest can reach one and else from the primary');
  }
}

/** Credentials from an external store need a store, and the operator target cannot read plain Secret values. */
function checkCredentials(model: ClusterModel, problems: Problems): void {
  for (const r of model.repos) {
    for (const secure of secureSources(r)) {
      if (secure.source.kind === 'external' && model.externalSecretStore === undefined) {
        problems.add(`${r.field}.${secure.field}`, `CredentialSource.fromExternalSecret(${JSON.stringify(secure.source.key)})`,
          'reading from an external store needs externalSecretStore on the cluster');
      }
      if (secure.source.kind === 'secret' && !secure.asFile && model.target === DeploymentTarget.OPERATOR) {
        problems.add(`${r.field}.${secure.field}`, `CredentialSource.fromSecret(${JSON.stringify(secure.source.secretName)}, ${JSON.stringify(secure.source.key)})`,
          'the operator target cannot pass a Secret value to pgBackRest: IVYO only reads credentials from pgBackRest conf files. Use CredentialSource.fromExternalSecret(...) (an ExternalSecret renders the conf file), CredentialSource.fromConfSecret(...) or RepoCredentials.fromConfSecret(...)');
      }
    }
  }
}

/** Where a repo's backups and WAL are written: the store, its bucket or container, and the path. */
export function repoLocation(r: { repo: ResolvedRepo['repo']; path: string }): string | undefined {
  const s = r.repo._storage;
  switch (s.storage) {
    case RepoStorage.S3: return `s3://${s.endpoint ?? ''}/${s.bucket}${r.path}`;
    case RepoStorage.GCS: return `gcs://${s.endpoint ?? 'storage.googleapis.com'}/${s.bucket}${r.path}`;
    case RepoStorage.AZURE: return `azure://${s.credentials?._spec.options?.['azure-account'] ?? ''}@${s.endpoint ?? 'blob.core.windows.net'}/${s.container}${r.path}`;
    // Each volume repo has a claim of its own.
    default: return undefined;
  }
}

/** Whether `a` and `b` are one location, or one holds the other (a repo's archive/ and backup/ are inside its path). */
function sameOrNested(a: string, b: string): boolean {
  return a === b || a.startsWith(`${b}/`) || b.startsWith(`${a}/`);
}

/** The repos this cluster writes to: all of them, except the one a standby replays its primary's WAL from. */
function writtenRepos(model: ClusterModel): ResolvedRepo[] {
  const standbyRepo = model.standby?.repoName;
  return model.repos.filter(r => r.name !== standbyRepo);
}

/**
 * Two writers on one repo location corrupt each other's archive (both write stanza `db` there): two repos of this
 * cluster, another cluster of the app, or the source a new cluster is restored from.
 */
function checkRepoWriters(scope: IConstruct, model: ClusterModel, problems: Problems): void {
  const written = writtenRepos(model).map(r => ({ r, location: repoLocation(r) }));
  written.forEach(({ r, location }, i) => {
    if (location === undefined) return;
    for (const other of written.slice(0, i)) {
      if (other.location !== undefined && sameOrNested(location, other.location)) {
        problems.add(`${r.field}.path`, r.path, `${other.location === location ? 'is the location' : 'overlaps the location'} of ${other.r.field} (${other.location}): `
          + 'two repos of a cluster must not share a location, pgBackRest would write both into one stanza');
      }
    }
  });
  // A new cluster must never write into the repo it is restored from (either target: an operator clone too).
  const source = model.restoreFrom instanceof Restore ? restoreSource(model) : undefined;
  const sourceLocation = source && repoLocation(source.repo);
  if (sourceLocation !== undefined) {
    for (const { r, location } of written) {
      if (location !== undefined && sameOrNested(location, sourceLocation)) {
        problems.add(`${r.field}.path`, r.path, `is where this cluster is restored from (${sourceLocation}): its own WAL and backups would be mixed into the source's; give it another path`);
      }
    }
  }
  const restore = model.restoreFrom;
  if (restore?.kind === RestoreKind.FROM_CLUSTER_NAME && typeof restore.clusterName === 'string' && typeof restore.repoName === 'string') {
    // The source's repos are not declared here; the path IVYO gives them by default is known.
    const path = objectStoreRepoPath(restore.repoName, restore.clusterNamespace ?? model.namespace, restore.clusterName);
    for (const { r } of written) {
      if (r.repo._storage.storage !== RepoStorage.VOLUME && r.path === path) {
        problems.add(`${r.field}.path`, r.path, `is the default path of the source cluster's ${restore.repoName}: the new cluster would write into its source's stanza; give it a path of its own`);
      }
    }
  }
  for (const { r, location } of written) {
    if (location === undefined) continue;
    const other = claimedBy(scope, `repo ${location}`);
    if (other) {
      problems.add(`${r.field}.path`, r.path, `${location} is already written by ${other.path} (${other.field}): two clusters writing one stanza corrupt each other's archive; give each its own path`);
    }
  }
}

/** Checks that need the app's other clusters: object names. */
function checkAppClaims(scope: IConstruct, model: ClusterModel, problems: Problems): void {
  const other = claimedBy(scope, `cluster ${model.namespace}/${model.name}`);
  if (other) {
    problems.add('name', model.name, `is already the name of ${other.path} in namespace ${model.namespace}: their objects would have the same names; give each cluster its own name or namespace`);
  }
}

/** What an accepted cluster claims in its app. */
export function appClaims(model: ClusterModel): { key: string; field: string }[] {
  const keys = [{ key: `cluster ${model.namespace}/${model.name}`, field: 'name' }];
  for (const r of writtenRepos(model)) {
    const location = repoLocation(r);
    if (location !== undefined) keys.push({ key: `repo ${location}`, field: r.field });
  }
  return keys;
}
