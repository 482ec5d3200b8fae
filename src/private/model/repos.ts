/**
 * The repos of one cluster as they are added: each gets its name (`repo1`..`repo4`) and path when it is added, and
 * keeps them.
 */
import { BackupRepo } from '../../backup-repo';
import { RepoStorage } from '../../repo-credentials';
import { backupRepo, checkArgument } from '../input';
import { assignRepoNames, defaultRepoPath, isRepoName, REPO_NAMES, repoIndex, repoMountPath } from '../pgbackrest/layout';
import { Problems } from '../validation';
import { ResolvedRepo } from './cluster-model';
import { ClusterSettings } from './settings';

export class RepoRoster {
  private readonly list: ResolvedRepo[] = [];
  /** Names a repo of the cluster's props asked for, kept for it even while earlier repos are added. */
  private readonly reserved = new Map<string, { repo: BackupRepo; field: string }>();

  constructor(private readonly settings: ClusterSettings) {}

  /** The repos in index order. */
  public get repos(): ResolvedRepo[] {
    return [...this.list].sort((a, b) => a.index - b.index);
  }

  /** The repos in the order they were added. */
  public get added(): readonly ResolvedRepo[] {
    return this.list;
  }

  /**
   * Keeps the names the props' repos ask for, so that an unnamed repo listed before a named one does not take its
   * name: the list is named as a whole, as `BackupPlanAnalysis.stagger` names it.
   */
  public reserveNames(repos: readonly unknown[], field: string): void {
    const names = assignRepoNames(repos.map(r => (r instanceof BackupRepo ? r.requestedName : undefined)));
    repos.forEach((r, i) => {
      const name = names[i];
      if (r instanceof BackupRepo && name !== undefined && r.requestedName === name) this.reserved.set(name, { repo: r, field: `${field}[${i}]` });
    });
  }

  /** Adds `value` under `field` (`repos[i]`); returns the repo with its name, or undefined when it was refused. */
  public add(problems: Problems, field: string, value: unknown): ResolvedRepo | undefined {
    const repo = checkArgument(problems, field, value as BackupRepo, backupRepo);
    if (repo === undefined) return undefined;
    const position = this.list.length;
    const before = problems.messages.length;
    repo._validate(problems, field, this.settings.version);
    if (this.list.some(r => r.repo === repo)) problems.add(field, 'the same BackupRepo object', 'is listed twice');
    if (position >= REPO_NAMES.length) {
      problems.add(field, `${position + 1} repos`, 'a cluster has at most 4 repos (repo1..repo4); IVYO and pgBackRest multi-repo support stop at four');
      return undefined;
    }
    const name = this.nameFor(problems, field, repo);
    if (name === undefined || problems.messages.length > before) return undefined;
    const mount = repoMountPath(name);
    const volume = repo.storage === RepoStorage.VOLUME;
    const path = repo.requestedPath ?? defaultRepoPath(repo.storage, name, this.settings.namespace, this.settings.name);
    if (volume && repo.requestedPath !== undefined && path !== mount && !path.startsWith(`${mount}/`)) {
      problems.add(`${field}.path`, path, `a volume repo is mounted at ${mount}; its path must be ${mount} or below it`);
      return undefined;
    }
    const resolved: ResolvedRepo = { name, index: repoIndex(name), repo, path, storage: repo.storage, field };
    this.list.push(resolved);
    return resolved;
  }

  private nameFor(problems: Problems, field: string, repo: BackupRepo): string | undefined {
    const requested = repo.requestedName;
    const holder = (name: string) => this.list.find(r => r.name === name);
    if (isRepoName(requested)) {
      const other = holder(requested);
      const reservedFor = this.reserved.get(requested);
      if (other) {
        const how = other.repo.requestedName === requested ? '' : ' (given to it when it was added, as it had no name; name it)';
        problems.add(`${field}.name`, requested, `is already the name of ${other.field}${how}; repo names must be unique`);
        return undefined;
      }
      if (reservedFor !== undefined && reservedFor.repo !== repo) {
        problems.add(`${field}.name`, requested, `is already the name of ${reservedFor.field}; repo names must be unique`);
        return undefined;
      }
      return requested;
    }
    if (requested !== undefined) return undefined; // refused by the repo's own check
    return REPO_NAMES.find(n => !holder(n) && !this.reserved.has(n));
  }
}
