import { Chart, Duration, Size } from 'cdk8s';
import { ContainerResources } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { BackupDeletion } from './backup-deletion';
import { BackupPlan, BackupPlanOptions, validatePlanOptions } from './backup-plan';
import { writeReport } from './private/plan/files';
import { BackupPlanReports } from './backup-plan-reports';
import { BackupRepo, REPO_NAMES } from './backup-repo';
import { ClusterModel, ResolvedInstanceSet, ResolvedRepo } from './private/model/cluster-model';
import { InstanceSetProps } from './instance-set';
import { DatabaseMode, ImageBuildProps } from './ivorysql-engine';
import { ManualBackup } from './manual-backup';
import { MAX_CLUSTER_NAME, MAX_STATEFULSET_NAME, ClusterNames } from './private/model/naming';
import { renderOperatorTarget } from './private/operator/render';
import { secureSources, TLS_SERVER_PORT } from './private/pgbackrest/config';
import { checkGlobalOptions } from './private/pgbackrest/options';
import { PgBackRestTuningProps, resolveTuning, validateTuning } from './pgbackrest-tuning';
import { PgBackRestVersion } from './pgbackrest-version';
import { claim, claimedBy } from './private/model/app-registry';
import { validateImageBuild } from './private/postgres/engine';
import { checkInput } from './private/input';
import { RepoStorage } from './repo-credentials';
import { cpuCores, validateResources } from './private/kube/resources';
import { Restore, RestoreKind } from './restore';
import { RestoreCheck } from './restore-check';
import { restoreSource } from './private/model/restore-source';
import { renderStandaloneTarget } from './private/standalone/render';
import { Standby } from './standby';
import { TlsCertificates } from './tls-certificates';
import { checkDnsLabel, checkDnsSubdomain, checkInteger, checkLabels, Problems, showValue } from './private/validation';

/** What the constructs synthesize. */
export enum DeploymentTarget {
  /** An IvoryCluster custom resource (and what IVYO needs beside it); the IvorySQL Operator makes the rest. */
  OPERATOR = 'operator',
  /** Every object the operator would make, rendered here, for clusters without the operator. */
  STANDALONE = 'standalone',
}

/** The IvorySQL image of IVYO 5.4 (IvorySQL 5.4, PostgreSQL 18). */
export const DEFAULT_IVORYSQL_IMAGE = 'docker.io/ivorysql/ivorysql:ubi9-5.4-5.4-1';
/** The uid of the `ivorysql` user in IVYO 5.4's IvorySQL and pgBackRest images. */
const IMAGE_UID = 998;
/** The pgBackRest image of IVYO 5.4 (pgBackRest 2.58.0). */
export const DEFAULT_PGBACKREST_IMAGE = 'docker.io/ivorysql/pgbackrest:ubi9-2.58.0-5.4-1';

/** An external-secrets `SecretStore` or `ClusterSecretStore`. */
export interface ExternalSecretStoreRef {
  /** Its name. */
  readonly name: string;
  /**
   * `SecretStore` or `ClusterSecretStore`.
   * @default SecretStore
   */
  readonly kind?: string;
  /**
   * How often the operator re-reads the store.
   * @default Duration.hours(1)
   */
  readonly refreshInterval?: Duration;
}

/** Settings of the backup Jobs and CronJobs. */
export interface BackupJobOptions {
  /**
   * CPU and memory of backup Jobs; the CPU also sets pgBackRest's `process-max`.
   * @default - 1 CPU requested, 2 CPU limit, 256 MiB to 1 GiB memory
   */
  readonly resources?: ContainerResources;
  /**
   * Delete finished Jobs after this long (at least 60 seconds for IVYO).
   * @default - kept, pruned by the history limits
   */
  readonly ttlAfterFinished?: Duration;
  /**
   * Successful Jobs kept per CronJob (standalone).
   * @default 3
   */
  readonly successfulJobsRetained?: number;
  /**
   * Failed Jobs kept per CronJob (standalone).
   * @default 1
   */
  readonly failedJobsRetained?: number;
  /**
   * Longest a backup Job may run before Kubernetes stops it (standalone).
   * @default Duration.hours(12)
   */
  readonly activeDeadline?: Duration;
  /**
   * How long a backup waits for another backup of the cluster to finish before it fails (standalone). pgBackRest
   * runs one backup at a time; a backup that finds another running retries until this bound.
   * @default Duration.hours(2)
   */
  readonly lockWait?: Duration;
  /**
   * How late a missed schedule may still start (standalone).
   * @default Duration.minutes(30)
   */
  readonly startingDeadline?: Duration;
  /**
   * Priority class of backup pods.
   * @default - none
   */
  readonly priorityClassName?: string;
}

/** Settings of the repo host that serves volume repos. */
export interface RepoHostOptions {
  /**
   * CPU and memory of the pgBackRest server.
   * @default - 100m CPU and 128 MiB requested, 512 MiB memory limit
   */
  readonly resources?: ContainerResources;
  /**
   * Priority class of the repo host pod.
   * @default - none
   */
  readonly priorityClassName?: string;
}

/** Options that only the standalone target uses. */
export interface StandaloneOptions {
  /**
   * Certificates for pgBackRest's TLS server and PostgreSQL's TLS.
   * @default TlsCertificates.certManager()
   */
  readonly tls?: TlsCertificates;
  /**
   * User id the pods run as (also their group id). Any uid works, with or without a passwd entry in the image: the
   * IvorySQL containers name it through nss_wrapper, and the superuser is `ivorysql` under every uid.
   * @default 998, the images' `ivorysql` user
   */
  readonly runAsUser?: number;
  /**
   * Group that owns the volumes.
   * @default 998
   */
  readonly fsGroup?: number;
  /**
   * Leave `runAsUser`, `runAsGroup` and `fsGroup` unset, for platforms that assign them: OpenShift's restricted
   * SCC refuses pods that ask for ids outside the namespace's range and gives them an arbitrary uid with gid 0.
   * @default false
   */
  readonly userFromPlatform?: boolean;
  /**
   * The Kubernetes cluster's DNS domain, used in the host names pgBackRest connects to.
   * @default cluster.local
   */
  readonly clusterDomain?: string;
}

/** Properties of an {@link IvoryCluster}. */
export interface IvoryClusterProps {
  /**
   * Name of the cluster; every object name derives from it.
   * @default - the construct id
   */
  readonly name?: string;
  /**
   * Namespace of every object.
   * @default - the chart's namespace, else `default`
   */
  readonly namespace?: string;
  /**
   * What to synthesize.
   * @default DeploymentTarget.OPERATOR
   */
  readonly target?: DeploymentTarget;
  /**
   * PostgreSQL major version (10 to 18). The default image is IvorySQL 5.4, which is PostgreSQL 18.
   * @default 18
   */
  readonly postgresVersion?: number;
  /**
   * The IvorySQL image. Commands call `postgres`, `pgbackrest` and friends by name, so any image with them on
   * PATH works.
   * @default - IVYO 5.4's image for PostgreSQL 18
   */
  readonly image?: string;
  /**
   * What the IvorySQL image was built with; `tuning.walCompression` defaults to the best method it has, and methods
   * it lacks are refused.
   * @default - IVYO 5.4's image: no lz4, no zstd
   */
  readonly imageBuild?: ImageBuildProps;
  /**
   * How a new cluster is initialized. Oracle compatibility needs `liboracle_parser` and `ivorysql_ora` preloaded;
   * both targets do so in Oracle mode, as IVYO does. Only the standalone target can initialize plain PostgreSQL.
   * @default DatabaseMode.ORACLE
   */
  readonly databaseMode?: DatabaseMode;
  /**
   * The pgBackRest image (repo host, backup Jobs).
   * @default - IVYO 5.4's pgBackRest 2.58 image
   */
  readonly pgbackrestImage?: string;
  /**
   * The pgBackRest version in the images; options and defaults depend on it.
   * @default PgBackRestVersion.V2_58
   */
  readonly pgbackrestVersion?: PgBackRestVersion;
  /**
   * Instance sets.
   * @default - one set `instance1` with one instance
   */
  readonly instances?: InstanceSetProps[];
  /**
   * PostgreSQL port.
   * @default 5432
   */
  readonly port?: number;
  /**
   * Labels for the cluster and every object made for it.
   * @default - none
   */
  readonly labels?: { [key: string]: string };
  /**
   * Annotations for the cluster and every object made for it.
   * @default - none
   */
  readonly annotations?: { [key: string]: string };
  /** The pgBackRest repos, one to four. WAL is archived to all of them. */
  readonly repos: BackupRepo[];
  /**
   * More pgBackRest options for `[global]`; they override generated values. No credentials: those come from
   * CredentialSources.
   * @default - none
   */
  readonly pgbackrestOptions?: { [option: string]: string };
  /**
   * pgBackRest performance settings.
   * @default - fast defaults, see PgBackRestTuningProps
   */
  readonly tuning?: PgBackRestTuningProps;
  /**
   * Backup Job settings.
   * @default - see BackupJobOptions
   */
  readonly backupJobs?: BackupJobOptions;
  /**
   * Repo host settings (used when a repo is a volume).
   * @default - see RepoHostOptions
   */
  readonly repoHost?: RepoHostOptions;
  /**
   * Create this cluster from a backup: another cluster's repo or a repo without a cluster.
   * @default - a new, empty cluster (initdb)
   */
  readonly restoreFrom?: Restore;
  /**
   * Restore this cluster's own data in place. Destructive; see Restore.inPlace.
   * @default - none
   */
  readonly inPlaceRestore?: Restore;
  /**
   * Make this cluster a standby of another one.
   * @default - a primary cluster
   */
  readonly standby?: Standby;
  /**
   * A declared one-off backup.
   * @default - none
   */
  readonly manualBackup?: ManualBackup;
  /**
   * Backups to delete with `pgbackrest expire --set` (standalone target).
   * @default - none
   */
  readonly backupDeletions?: BackupDeletion[];
  /**
   * Jobs (or CronJobs) that restore a backup into a scratch volume and query it (standalone target).
   * @default - none
   */
  readonly restoreChecks?: RestoreCheck[];
  /**
   * The external-secrets store that `CredentialSource.fromExternalSecret` values are read from.
   * @default - none; required when any credential comes from an external store
   */
  readonly externalSecretStore?: ExternalSecretStoreRef;
  /**
   * Options of the standalone target.
   * @default - see StandaloneOptions
   */
  readonly standalone?: StandaloneOptions;
  /**
   * How schedules are analysed at synth: expected durations, strictness, the report.
   * @default - see BackupPlanOptions
   */
  readonly backupPlan?: BackupPlanOptions;
}

const DEFAULT_JOB_RESOURCES: ContainerResources = {};

/**
 * An IvorySQL cluster with pgBackRest backups.
 *
 * With the operator target it synthesizes an `IvoryCluster` custom resource (`ivory-operator.ivorysql.org/v1beta1`)
 * plus the objects IVYO needs beside it; with the standalone target, every object IVYO would otherwise create.
 * Input is validated when the construct is created: an error named `ValidationError` names this construct's path, each
 * bad field, its value and what is allowed.
 */
export class IvoryCluster extends Construct {
  /** The cluster's name. */
  public readonly clusterName: string;
  /** The cluster's namespace. */
  public readonly namespace: string;
  /** What this cluster synthesizes. */
  public readonly target: DeploymentTarget;
  /** The repos with their assigned names, in repo-index order. */
  public readonly repos: BackupRepo[];
  /** The analysed backup plan: runs, collisions, recovery window per repo. */
  public readonly backupPlan: BackupPlan;
  /** @internal */
  public readonly _model: ClusterModel;

  constructor(scope: Construct, id: string, props: IvoryClusterProps) {
    super(scope, id);
    const problems = new Problems();
    if (props === undefined || props === null || typeof props !== 'object' || Array.isArray(props)) {
      problems.add('props', props, 'IvoryCluster needs props with at least repos');
      problems.throwIfAny(this);
    }
    // From here on, every prop has the kind its interface declares, or is left out and reported.
    props = checkInput(problems, 'IvoryClusterProps', props);
    this._model = resolveModel(this, id, props, problems);
    checkAppClaims(this, this._model, problems);
    problems.throwIfAny(this);
    this.clusterName = this._model.name;
    this.namespace = this._model.namespace;
    this.target = this._model.target;
    this.repos = this._model.repos.map(r => r.repo);

    const planProblems = new Problems();
    validatePlanOptions(planProblems, 'backupPlan', props.backupPlan ?? {});
    planProblems.throwIfAny(this);
    this.backupPlan = BackupPlan._analyse(this._model, props.backupPlan ?? {});
    this.backupPlan._validate(planProblems, 'repos');
    planProblems.throwIfAny(this);
    if (this.backupPlan.writeReport) {
      // Written when the app synthesizes (validation runs then), where the app's settings say (BackupPlanReports).
      // cdk8s validates the whole app once per chart, so write once.
      let written = false;
      const requested = props.backupPlan?.writeReport;
      this.node.addValidation({
        validate: () => {
          const directory = written ? undefined : BackupPlanReports._directoryFor(this, requested);
          if (directory !== undefined) writeReport(directory, this.backupPlan);
          written = true;
          return [];
        },
      });
    }

    if (this._model.target === DeploymentTarget.OPERATOR) {
      renderOperatorTarget(this, this._model);
    } else {
      renderStandaloneTarget(this, this._model);
    }
    // Only a cluster that was accepted claims its name and repo locations.
    claim(this, appClaims(this._model));
  }

  /** The name assigned to `repo` (`repo1`..`repo4`). */
  public repoNameOf(repo: BackupRepo): string {
    const found = this._model.repos.find(r => r.repo === repo);
    if (!found) throw new Error(`${this.node.path}: that BackupRepo is not one of this cluster's repos`);
    return found.name;
  }
}

function resolveModel(scope: Construct, id: string, props: IvoryClusterProps, problems: Problems): ClusterModel {
  const target = props.target ?? DeploymentTarget.OPERATOR;
  if (!Object.values(DeploymentTarget).includes(target)) {
    problems.add('target', target, `must be one of ${Object.values(DeploymentTarget).map(t => `DeploymentTarget.${t.toUpperCase()}`).join(', ')}`);
  }
  const name = props.name ?? id;
  const nameField = props.name === undefined ? 'name (defaulted from the construct id)' : 'name';
  if (checkDnsLabel(problems, nameField, name, MAX_CLUSTER_NAME) && !/^[a-z]/.test(name)) {
    // Services are named after the cluster, and Service names are DNS-1035 labels.
    problems.add(nameField, name, 'must start with a letter: the cluster\'s Services are named after it, and Kubernetes Service names are DNS-1035 labels');
  }
  const namespace = props.namespace ?? Chart.of(scope).namespace ?? 'default';
  checkDnsLabel(problems, 'namespace', namespace);

  const postgresVersion = props.postgresVersion ?? 18;
  checkInteger(problems, 'postgresVersion', postgresVersion, 10, 18);
  if (props.image === undefined && postgresVersion !== 18 && Number.isInteger(postgresVersion)) {
    problems.add('image', props.image, `the default image (IvorySQL 5.4) is PostgreSQL 18; give an image for postgresVersion ${postgresVersion}`);
  }
  for (const [field, image] of [['image', props.image], ['pgbackrestImage', props.pgbackrestImage]] as const) {
    if (image !== undefined && (typeof image !== 'string' || !/^[a-z0-9][a-z0-9._\/:@-]*$/i.test(image) || /\s/.test(image))) {
      problems.add(field, image, 'must be an image reference such as registry/name:tag');
    }
  }
  const version = props.pgbackrestVersion ?? PgBackRestVersion.V2_58;
  if (!(version instanceof PgBackRestVersion) || !version.isSupported) {
    problems.add('pgbackrestVersion', showValue(String(version)), 'must be PgBackRestVersion.of("2.45") or later');
  }
  const port = props.port ?? 5432;
  if (checkInteger(problems, 'port', port, 1024, 65535) && port === TLS_SERVER_PORT) {
    problems.add('port', port, `is pgBackRest's TLS server port (${TLS_SERVER_PORT}) on the same pods; choose another`);
  }
  checkLabels(problems, 'labels', props.labels, true);
  checkLabels(problems, 'annotations', props.annotations, false);
  checkAnnotationSize(problems, 'annotations', props.annotations);
  const imageBuild = validateImageBuild(problems, 'imageBuild', props.imageBuild);
  validateTuning(problems, 'tuning', props.tuning ?? {}, version, postgresVersion, imageBuild);
  const databaseMode = props.databaseMode ?? DatabaseMode.ORACLE;
  if (!Object.values(DatabaseMode).includes(databaseMode)) {
    problems.add('databaseMode', databaseMode, 'must be DatabaseMode.ORACLE or DatabaseMode.POSTGRESQL');
  } else if (databaseMode === DatabaseMode.POSTGRESQL && target === DeploymentTarget.OPERATOR) {
    problems.add('databaseMode', 'DatabaseMode.POSTGRESQL', 'IVYO initializes every cluster in Oracle-compatible mode and its CRD has no field '
      + 'for plain PostgreSQL; use DatabaseMode.ORACLE (sessions on the PostgreSQL port speak PostgreSQL) or the standalone target');
  }

  const standalone = props.standalone ?? {};
  const fromPlatform = standalone.userFromPlatform ?? false;
  if (typeof fromPlatform !== 'boolean') problems.add('standalone.userFromPlatform', fromPlatform, 'must be true or false');
  if (fromPlatform === true) {
    for (const field of ['runAsUser', 'fsGroup'] as const) {
      if (standalone[field] !== undefined) problems.add(`standalone.${field}`, standalone[field], 'must be left out with userFromPlatform: the platform assigns it');
    }
  }
  const runAsUser = fromPlatform === true ? undefined : standalone.runAsUser ?? IMAGE_UID;
  const fsGroup = fromPlatform === true ? undefined : standalone.fsGroup ?? IMAGE_UID;
  if (runAsUser !== undefined) checkInteger(problems, 'standalone.runAsUser', runAsUser, 1, 2147483647);
  if (fsGroup !== undefined) checkInteger(problems, 'standalone.fsGroup', fsGroup, 1, 2147483647);
  const domain = standalone.clusterDomain ?? 'cluster.local';
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(domain)) {
    problems.add('standalone.clusterDomain', domain, 'must be a DNS domain such as cluster.local');
  }
  const names = new ClusterNames(name, namespace, domain);

  const instances = resolveInstances(props.instances, names, problems);
  const repos = resolveRepos(props.repos, names, version, problems);
  // After the repos: options of a repo the cluster does not have, or that a typed prop of its repo sets, are refused.
  checkGlobalOptions(problems, 'pgbackrestOptions', props.pgbackrestOptions,
    repos.map(r => ({ index: r.index, field: r.field, retention: r.repo.retention !== undefined })));

  const jobs = props.backupJobs ?? {};
  validateResources(problems, 'backupJobs.resources', jobs.resources);
  if (jobs.ttlAfterFinished !== undefined && !(jobs.ttlAfterFinished.toSeconds() >= 60)) {
    problems.add('backupJobs.ttlAfterFinished', `${jobs.ttlAfterFinished.toSeconds()}s`, 'must be at least 60 seconds (IVYO\'s minimum)');
  }
  for (const [field, value, min] of [['successfulJobsRetained', jobs.successfulJobsRetained, 0], ['failedJobsRetained', jobs.failedJobsRetained, 0]] as const) {
    if (value !== undefined) checkInteger(problems, `backupJobs.${field}`, value, min, 100);
  }
  for (const field of ['activeDeadline', 'lockWait', 'startingDeadline'] as const) {
    const d = jobs[field];
    if (d !== undefined && !(d instanceof Duration && d.toSeconds() >= 10)) {
      problems.add(`backupJobs.${field}`, d instanceof Duration ? `${d.toSeconds()}s` : d, 'must be a Duration of at least 10 seconds');
    }
  }

  validateResources(problems, 'repoHost.resources', props.repoHost?.resources);
  for (const [field, pc] of [['repoHost.priorityClassName', props.repoHost?.priorityClassName], ['backupJobs.priorityClassName', jobs.priorityClassName]] as const) {
    if (pc !== undefined) checkDnsSubdomain(problems, field, pc);
  }
  const smallestVolume = Math.min(...instances.map(i =>
    Math.min(i.dataVolumeSize.toKibibytes(), i.walVolumeSize?.toKibibytes() ?? Infinity) * 1024));
  const jobCpu = cpuCores(jobs.resources ?? DEFAULT_JOB_RESOURCES) ?? 2;
  const tuning = resolveTuning(props.tuning ?? {}, version, jobCpu, Number.isFinite(smallestVolume) ? smallestVolume : 1024 ** 3,
    postgresVersion, imageBuild);

  if (props.externalSecretStore !== undefined) {
    checkDnsLabel(problems, 'externalSecretStore.name', props.externalSecretStore.name, 253);
    const kind = props.externalSecretStore.kind ?? 'SecretStore';
    if (!['SecretStore', 'ClusterSecretStore'].includes(kind)) {
      problems.add('externalSecretStore.kind', kind, 'must be SecretStore or ClusterSecretStore');
    }
  }

  const model: ClusterModel = {
    name,
    namespace,
    names,
    target,
    postgresVersion,
    image: props.image ?? DEFAULT_IVORYSQL_IMAGE,
    pgbackrestImage: props.pgbackrestImage ?? DEFAULT_PGBACKREST_IMAGE,
    version,
    port,
    labels: props.labels ?? {},
    annotations: props.annotations ?? {},
    instances,
    repos,
    userGlobal: props.pgbackrestOptions ?? {},
    tuning,
    jobs,
    repoHost: props.repoHost ?? {},
    restoreFrom: props.restoreFrom,
    inPlaceRestore: props.inPlaceRestore,
    standby: props.standby,
    manualBackup: props.manualBackup,
    backupDeletions: props.backupDeletions ?? [],
    restoreChecks: props.restoreChecks ?? [],
    externalSecretStore: props.externalSecretStore,
    tls: standalone.tls ?? TlsCertificates.certManager(),
    runAsUser,
    fsGroup,
    databaseMode,
  };
  validateRestoresAndTriggers(model, problems);
  return model;
}

function resolveInstances(sets: InstanceSetProps[] | undefined, names: ClusterNames, problems: Problems): ResolvedInstanceSet[] {
  const list = sets ?? [{}];
  if (!Array.isArray(list) || list.length === 0) {
    problems.add('instances', sets, 'must list at least one instance set');
    return [];
  }
  const seen = new Set<string>();
  return list.map((set, i) => {
    const field = `instances[${i}]`;
    const setName = set.name ?? `instance${i + 1}`;
    if (checkDnsLabel(problems, `${field}.name`, setName)) {
      const sts = names.instanceSet(setName);
      if (sts.length > MAX_STATEFULSET_NAME) {
        problems.add(`${field}.name`, setName, `makes the StatefulSet name "${sts}" longer than ${MAX_STATEFULSET_NAME} characters; shorten the cluster or set name`);
      }
    }
    if (seen.has(setName)) problems.add(`${field}.name`, setName, 'instance set names must be unique');
    seen.add(setName);
    const replicas = set.replicas ?? 1;
    checkInteger(problems, `${field}.replicas`, replicas, 1, 100);
    const dataVolumeSize = set.dataVolumeSize ?? Size.gibibytes(1);
    for (const [f, size] of [['dataVolumeSize', dataVolumeSize], ['walVolumeSize', set.walVolumeSize]] as const) {
      if (size !== undefined && !(size instanceof Size && size.toKibibytes() >= 1024)) {
        problems.add(`${field}.${f}`, size, 'must be a cdk8s Size of at least 1 MiB');
      }
    }
    for (const f of ['storageClassName', 'walStorageClassName'] as const) {
      const sc = set[f];
      if (sc !== undefined && !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(sc)) problems.add(`${field}.${f}`, sc, 'must be a DNS-1123 subdomain');
    }
    validateResources(problems, `${field}.resources`, set.resources);
    return {
      name: setName,
      replicas,
      dataVolumeSize: dataVolumeSize instanceof Size ? dataVolumeSize : Size.gibibytes(1),
      storageClassName: set.storageClassName,
      walVolumeSize: set.walVolumeSize,
      walStorageClassName: set.walStorageClassName ?? set.storageClassName,
      resources: set.resources,
      statefulSet: names.instanceSet(setName),
    };
  });
}

function resolveRepos(repos: BackupRepo[], names: ClusterNames, version: PgBackRestVersion, problems: Problems): ResolvedRepo[] {
  if (!Array.isArray(repos) || repos.length === 0) {
    problems.add('repos', repos, 'must list one to four BackupRepos (BackupRepo.volume, .s3, .gcs or .azure)');
    return [];
  }
  if (repos.length > 4) {
    problems.add(`repos[${repos.length - 1}]`, `${repos.length} repos`, 'a cluster has at most 4 repos (repo1..repo4); IVYO and pgBackRest multi-repo support stop at four');
  }
  const taken = new Map<string, number>();
  repos.forEach((repo, i) => {
    if (!(repo instanceof BackupRepo)) {
      problems.add(`repos[${i}]`, repo, 'must be a BackupRepo (BackupRepo.volume, .s3, .gcs or .azure)');
      return;
    }
    repo._validate(problems, `repos[${i}]`, version);
    const requested = repo.requestedName;
    if (requested !== undefined && REPO_NAMES.includes(requested)) {
      if (taken.has(requested)) {
        problems.add(`repos[${i}].name`, requested, `is already the name of repos[${taken.get(requested)}]; repo names must be unique`);
      } else {
        taken.set(requested, i);
      }
    }
    if (repos.indexOf(repo) !== i) problems.add(`repos[${i}]`, 'the same BackupRepo object', 'is listed twice');
  });
  const free = REPO_NAMES.filter(n => !taken.has(n));
  const resolved: ResolvedRepo[] = [];
  repos.slice(0, 4).forEach((repo, i) => {
    if (!(repo instanceof BackupRepo)) return;
    const name = repo.requestedName !== undefined && REPO_NAMES.includes(repo.requestedName) && taken.get(repo.requestedName) === i
      ? repo.requestedName : free.shift();
    if (name === undefined) return;
    const index = Number(name.slice(4));
    const volume = repo.storage === RepoStorage.VOLUME;
    const mount = `/pgbackrest/${name}`;
    const path = repo.requestedPath ?? (volume ? mount : `/pgbackrest/${names.namespace}/${names.cluster}/${name}`);
    if (volume && repo.requestedPath !== undefined && path !== mount && !path.startsWith(`${mount}/`)) {
      problems.add(`repos[${i}].path`, path, `a volume repo is mounted at ${mount}; its path must be ${mount} or below it`);
    }
    resolved.push({ name, index, repo, path, storage: repo.storage, field: `repos[${i}]` });
  });
  resolved.sort((a, b) => a.index - b.index);
  return resolved;
}

function validateRestoresAndTriggers(model: ClusterModel, problems: Problems): void {
  const repoNames = model.repos.map(r => r.name);
  const knownRepo = (field: string, repoName: string | undefined, what: string) => {
    if (repoName !== undefined && /^repo[1-4]$/.test(repoName) && !repoNames.includes(repoName)) {
      problems.add(field, repoName, `${what} must be one of this cluster's repos: ${repoNames.join(', ')}`);
    }
  };

  const restoreFrom = model.restoreFrom;
  if (restoreFrom !== undefined) {
    if (!(restoreFrom instanceof Restore)) {
      problems.add('restoreFrom', restoreFrom, 'must be a Restore (Restore.fromCluster, fromClusterName or fromRepo)');
    } else if (restoreFrom.kind === RestoreKind.IN_PLACE) {
      problems.add('restoreFrom', 'Restore.inPlace(...)', 'restoreFrom creates a new cluster from a backup; an in-place restore goes in inPlaceRestore');
    } else {
      restoreFrom._validate(problems, 'restoreFrom', model.version);
      if (restoreFrom.kind === RestoreKind.FROM_CLUSTER) {
        const source = restoreFrom.source;
        if (!(source instanceof IvoryCluster)) {
          problems.add('restoreFrom.source', source, 'must be an IvoryCluster of this app');
        } else {
          const sourceRepos = source._model.repos.map(r => r.name);
          const repoName = restoreFrom.repoName ?? sourceRepos[0];
          if (!sourceRepos.includes(repoName)) {
            problems.add('restoreFrom.repoName', repoName, `is not a repo of the source cluster ${source.clusterName}: it has ${sourceRepos.join(', ')}`);
          }
          if (source.clusterName === model.name && source.namespace === model.namespace) {
            problems.add('restoreFrom.source', source.clusterName, 'a cluster cannot be created from itself; use inPlaceRestore');
          }
        }
      }
      if (restoreFrom.kind === RestoreKind.FROM_REPO && restoreFrom.repo instanceof BackupRepo && restoreFrom.repo.storage === RepoStorage.VOLUME) {
        problems.add('restoreFrom.repo', 'BackupRepo.volume(...)', 'a repo without its cluster must be in an object store (S3, GCS or Azure); a volume repo is only reachable through its cluster');
      }
    }
  }

  const inPlace = model.inPlaceRestore;
  if (inPlace !== undefined) {
    if (!(inPlace instanceof Restore) || inPlace.kind !== RestoreKind.IN_PLACE) {
      problems.add('inPlaceRestore', inPlace instanceof Restore ? `Restore.${inPlace.kind}(...)` : inPlace, 'must be Restore.inPlace(...); restores into a new cluster go in restoreFrom');
    } else {
      inPlace._validate(problems, 'inPlaceRestore', model.version);
      knownRepo('inPlaceRestore.repoName', inPlace.repoName, 'the repo restored from');
    }
  }

  if (model.standby !== undefined) {
    if (!(model.standby instanceof Standby)) {
      problems.add('standby', model.standby, 'must be a Standby (Standby.fromRepo or Standby.fromHost)');
    } else {
      model.standby._validate(problems, 'standby');
      knownRepo('standby.repoName', model.standby.repoName, 'the repo a standby replays from');
      const fed = model.repos.find(r => r.name === model.standby?.repoName);
      if (fed?.storage === RepoStorage.VOLUME) {
        problems.add('standby.repoName', fed.name, `is a volume repo (${fed.field}): this cluster's own, new volume, where the primary never archived; a standby reads the primary's WAL from an object-store repo with the primary's bucket and path, or streams it (Standby.fromHost)`);
      } else if (fed !== undefined && fed.repo.requestedPath === undefined) {
        problems.add('standby.repoName', fed.name, `${fed.field} has no path, so it is this cluster's own, empty location (${fed.path}); give ${fed.field} the path the primary cluster's repo writes to (its default is /pgbackrest/<namespace>/<cluster>/<repo name>; write it out even when it is the same)`);
      }
    }
    if (inPlace !== undefined) problems.addRaw('inPlaceRestore', 'a standby cluster follows its primary and cannot be restored in place');
  }

  if (model.manualBackup !== undefined) {
    if (!(model.manualBackup instanceof ManualBackup)) {
      problems.add('manualBackup', model.manualBackup, 'must be a ManualBackup');
    } else {
      model.manualBackup._validate(problems, 'manualBackup');
      knownRepo('manualBackup.repoName', model.manualBackup.repoName, 'the repo backed up to');
    }
  }

  const checkIds = new Set<string>();
  model.restoreChecks.forEach((check, i) => {
    if (!(check instanceof RestoreCheck)) {
      problems.add(`restoreChecks[${i}]`, check, 'must be a RestoreCheck');
      return;
    }
    check._validate(problems, `restoreChecks[${i}]`);
    knownRepo(`restoreChecks[${i}].repoName`, check.repoName, 'the repo restored from');
    if (checkIds.has(check.checkId)) problems.add(`restoreChecks[${i}].checkId`, check.checkId, 'restore check ids must be unique');
    const jobName = model.names.restoreCheck(check.checkId);
    const limit = check.schedule !== undefined ? 52 : 63;
    if (jobName.length > limit) {
      problems.add(`restoreChecks[${i}].checkId`, check.checkId, `makes the ${check.schedule ? 'CronJob' : 'Job'} name "${jobName}" longer than ${limit} characters; shorten it`);
    }
    checkIds.add(check.checkId);
  });

  model.backupDeletions.forEach((deletion, i) => {
    if (!(deletion instanceof BackupDeletion)) {
      problems.add(`backupDeletions[${i}]`, deletion, 'must be a BackupDeletion');
      return;
    }
    deletion._validate(problems, `backupDeletions[${i}]`);
    knownRepo(`backupDeletions[${i}].repoName`, deletion.repoName, 'the repo to delete from');
  });

  // Credentials from an external store need a store, and the operator target cannot read plain Secret values.
  model.repos.forEach(r => {
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
  });
}

/**
 * Kubernetes refuses an object whose annotations total more than 256 KiB (keys and values, in bytes). The library
 * adds a few of its own (restore and backup triggers, workload identity), so the user's must leave room for them.
 */
const ANNOTATIONS_LIMIT = 256 * 1024;
const OWN_ANNOTATIONS_RESERVE = 4 * 1024;

function checkAnnotationSize(problems: Problems, field: string, annotations: { [key: string]: string } | undefined): void {
  if (annotations === undefined) return;
  let total = 0;
  for (const [key, value] of Object.entries(annotations)) total += Buffer.byteLength(key) + Buffer.byteLength(String(value));
  if (total > ANNOTATIONS_LIMIT - OWN_ANNOTATIONS_RESERVE) {
    problems.add(field, `${total} bytes of annotations`, `Kubernetes takes at most ${ANNOTATIONS_LIMIT} bytes of annotations per object, `
      + `and ${OWN_ANNOTATIONS_RESERVE} of them are kept for the library's own: at most ${ANNOTATIONS_LIMIT - OWN_ANNOTATIONS_RESERVE} bytes`);
  }
}

/** Where a repo's backups and WAL are written: the store, its bucket or container, and the path. */
function repoLocation(r: { repo: BackupRepo; path: string }): string | undefined {
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
  const standbyRepo = model.standby instanceof Standby ? model.standby.repoName : undefined;
  return model.repos.filter(r => r.name !== standbyRepo);
}

/**
 * Two writers on one repo location corrupt each other's archive (both write stanza `db` there): two repos of this
 * cluster, another cluster of the app, or the source a new cluster is restored from.
 */
function checkRepoWriters(scope: Construct, model: ClusterModel, problems: Problems): void {
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
  if (restore instanceof Restore && restore.kind === RestoreKind.FROM_CLUSTER_NAME && typeof restore.clusterName === 'string' && typeof restore.repoName === 'string') {
    // The source's repos are not declared here; the path IVYO gives them by default is known.
    const path = `/pgbackrest/${restore.clusterNamespace ?? model.namespace}/${restore.clusterName}/${restore.repoName}`;
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

/** Checks that need the app's other clusters: object names and repo locations. */
function checkAppClaims(scope: Construct, model: ClusterModel, problems: Problems): void {
  if (typeof model.name === 'string' && typeof model.namespace === 'string') {
    const other = claimedBy(scope, `cluster ${model.namespace}/${model.name}`);
    if (other) {
      problems.add('name', model.name, `is already the name of ${other.path} in namespace ${model.namespace}: their objects would have the same names; give each cluster its own name or namespace`);
    }
  }
  checkRepoWriters(scope, model, problems);
}

/** What an accepted cluster claims in its app. */
function appClaims(model: ClusterModel): { key: string; field: string }[] {
  const keys = [{ key: `cluster ${model.namespace}/${model.name}`, field: 'name' }];
  for (const r of writtenRepos(model)) {
    const location = repoLocation(r);
    if (location !== undefined) keys.push({ key: `repo ${location}`, field: r.field });
  }
  return keys;
}
