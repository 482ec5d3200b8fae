import { Construct, IConstruct } from 'constructs';
import { BackupDeletion, BackupDeletionProps } from './backup-deletion';
import { BackupMonitoringProps } from './backup-monitoring';
import { BackupPlanAnalysis } from './backup-plan-analysis';
import { BackupPlanOptions, OperatorSuspend } from './backup-plan-options';
import { BackupPlanReports } from './backup-plan-reports';
import { BackupRepo } from './backup-repo';
import { BackupJobOptions, ExternalSecretStoreRef, RepoHostOptions, StandaloneOptions } from './cluster-options';
import { DatabaseUserProps } from './database-user';
import { DeploymentTarget } from './deployment-target';
import { HighAvailabilityProps } from './high-availability';
import { InstanceSetProps } from './instance-set';
import { DatabaseMode, ImageBuildProps } from './ivorysql-engine';
import { ManualBackup, ManualBackupProps } from './manual-backup';
import { PgBackRestTuningProps } from './pgbackrest-tuning';
import { PgBackRestVersion } from './pgbackrest-version';
import { checkArgument, checkInput, str } from './private/input';
import { claim } from './private/model/app-registry';
import { appClaims, checkCluster } from './private/model/checks';
import { ClusterModel, ResolvedInstanceSet } from './private/model/cluster-model';
import { resolveInstanceSet } from './private/model/instance-sets';
import { registerCluster } from './private/model/registry';
import { RepoRoster } from './private/model/repos';
import { buildModel } from './private/model/resolve';
import { ClusterSettings, resolveSettings } from './private/model/settings';
import { ResolvedUser, resolveUser } from './private/model/users';
import { renderMonitoring } from './private/monitoring/render';
import { renderOperatorTarget } from './private/operator/render';
import { writeReport } from './private/plan/files';
import { validatePlanOptions } from './private/plan/options';
import { renderStandaloneTarget } from './private/standalone/render';
import { Problems, throwValidationError } from './private/validation';
import { Restore, RestoreKind } from './restore';
import { RestoreCheck, RestoreCheckProps } from './restore-check';
import { Standby } from './standby';

/**
 * Properties of an {@link IvoryCluster}: what runs (target, images, instances) and how it is backed up (repos,
 * tuning, restores). Every prop has a default; only a repo is required, by synth (here or with `addRepo`).
 */
export interface IvoryClusterProps {
  /**
   * Name of the cluster; every object name derives from it. At most 40 characters and starting with a letter, so
   * that the derived names (Services, StatefulSets, Jobs) stay valid Kubernetes names.
   * @default - the construct id
   */
  readonly name?: string;
  /**
   * Namespace of every object. Secrets the cluster reads (credentials, TLS) must be in it.
   * @default - the chart's namespace, else `default`
   */
  readonly namespace?: string;
  /**
   * What to synthesize: an `IvoryCluster` for the IvorySQL Operator to run, or every object itself for a Kubernetes
   * cluster without the operator. See DeploymentTarget for what only one of them can do.
   * @default DeploymentTarget.OPERATOR
   */
  readonly target?: DeploymentTarget;
  /**
   * PostgreSQL major version (10 to 18) of the image: PGDATA paths and version-dependent settings follow it. The
   * default image is IvorySQL 5.4, which is PostgreSQL 18, so any other version needs `image` too.
   * @default 18
   */
  readonly postgresVersion?: number;
  /**
   * The IvorySQL image, for a private registry, another PostgreSQL version or a build of your own. Commands call
   * `postgres`, `pgbackrest` and friends by name, so any image with them on PATH works.
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
   * The pgBackRest image (repo host, backup Jobs), for a private registry or another pgBackRest version (then set
   * `pgbackrestVersion` to match).
   * @default - IVYO 5.4's pgBackRest 2.58 image
   */
  readonly pgbackrestImage?: string;
  /**
   * The pgBackRest version in the images; options and defaults depend on it, so set it when your images carry
   * another version than IVYO 5.4's (2.45 is the oldest accepted).
   * @default PgBackRestVersion.V2_58
   */
  readonly pgbackrestVersion?: PgBackRestVersion;
  /**
   * Instance sets: groups of instances with the same size and storage. More than one replica, or a second set,
   * gives the cluster replicas. Fed through `addInstanceSet`, which can add more later.
   * @default - one set `instance1` with one instance
   */
  readonly instances?: InstanceSetProps[];
  /**
   * PostgreSQL port, for clients and replication: 1024 to 65535, and not 8432, which pgBackRest's TLS server uses
   * on the same pods.
   * @default 5432
   */
  readonly port?: number;
  /**
   * Labels for the cluster and every object made for it, e.g. for selectors of your own policies or cost reports.
   * @default - none
   */
  readonly labels?: { [key: string]: string };
  /**
   * Annotations for the cluster and every object made for it. They must leave 4 KiB of Kubernetes' 256 KiB for
   * the library's own (backup and restore triggers, workload identity).
   * @default - none
   */
  readonly annotations?: { [key: string]: string };
  /**
   * The pgBackRest repos, one to four; WAL is archived to all of them. More than one keeps backups in more than
   * one place (say, a volume for fast restores and a bucket in another region). Fed through `addRepo`, which can add
   * more later.
   * @default - none yet: a cluster needs at least one by synth
   */
  readonly repos?: BackupRepo[];
  /**
   * More pgBackRest options for `[global]`, for settings without a typed property; they override generated values.
   * No credentials (those come from CredentialSources), and no options of a repo the cluster does not have.
   * @default - none
   */
  readonly pgbackrestOptions?: { [option: string]: string };
  /**
   * pgBackRest performance settings (compression, parallelism, asynchronous archiving), for when the defaults do
   * not suit your data or machines.
   * @default - fast defaults, see PgBackRestTuningProps
   */
  readonly tuning?: PgBackRestTuningProps;
  /**
   * Backup Job settings: resources, priority, deadlines and how long finished Jobs are kept.
   * @default - see BackupJobOptions
   */
  readonly backupJobs?: BackupJobOptions;
  /**
   * Repo host settings: resources and priority of the pod that serves volume repos (used only when a repo is a
   * volume).
   * @default - see RepoHostOptions
   */
  readonly repoHost?: RepoHostOptions;
  /**
   * Create this cluster from a backup: another cluster's repo (a clone) or a repo without a cluster (bring back a
   * cluster that is gone). Only read when the cluster is first created.
   * @default - a new, empty cluster (initdb)
   */
  readonly restoreFrom?: Restore;
  /**
   * Restore this cluster's own data in place, e.g. to undo a bad change with a point-in-time target. Destructive;
   * see Restore.inPlace.
   * @default - none
   */
  readonly inPlaceRestore?: Restore;
  /**
   * Make this cluster a standby of another one, e.g. for disaster recovery in another region: it follows the
   * other cluster's WAL and takes no backups of its own.
   * @default - a primary cluster
   */
  readonly standby?: Standby;
  /**
   * A declared one-off backup, e.g. before an upgrade; the same as `addManualBackup('ManualBackup', props)`.
   * @default - none
   */
  readonly manualBackup?: ManualBackupProps;
  /**
   * Backups to delete with `pgbackrest expire --set` (standalone target; IVYO has no API for it, so the operator
   * target refuses them); each is the same as `addBackupDeletion(...)`.
   * @default - none
   */
  readonly backupDeletions?: BackupDeletionProps[];
  /**
   * Jobs (or CronJobs) that restore a backup into a scratch volume and query it, to prove the backups restorable
   * (standalone target; the operator target refuses them); each is the same as `addRestoreCheck(checkId, props)`,
   * so each needs a `checkId` here.
   * @default - none
   */
  readonly restoreChecks?: RestoreCheckProps[];
  /**
   * Roles applications log in as, with their databases and password sources; each is the same as
   * `addUser(props)`. Each user gets a Secret `<cluster>-pguser-<name>` with its connection details, in IVYO's layout.
   * @default - none: only the cluster's own roles exist
   */
  readonly users?: DatabaseUserProps[];
  /**
   * The external-secrets store that `CredentialSource.fromExternalSecret` values are read from (Vault, a cloud
   * secret manager ...), for credentials that must not be kept in Kubernetes Secrets you manage.
   * @default - none; required when any credential comes from an external store
   */
  readonly externalSecretStore?: ExternalSecretStoreRef;
  /**
   * Options of the standalone target: TLS certificates, pod user and group, cluster DNS domain. Ignored by the
   * operator target.
   * @default - see StandaloneOptions
   */
  readonly standalone?: StandaloneOptions;
  /**
   * How the cluster fails over (Patroni): synchronous replication, leader lease, loop and retry times, maintenance
   * mode, a switchover. The operator target renders them into `spec.patroni`; on the standalone target, giving it
   * (even `{}`) makes Patroni run the instances, which then fail over by themselves, and a switchover is a Job that
   * asks Patroni for it.
   * @default - operator: Patroni's and IVYO's defaults (asynchronous replication, a 30 s lease, a 10 s loop, 10 s
   * retries); standalone: no Patroni, the first pod of the first instance set is the primary
   */
  readonly highAvailability?: HighAvailabilityProps;
  /**
   * How backups are watched: the exporter, and alerts whose thresholds follow the schedules.
   * @default - the exporter, a PrometheusRule and a PodMonitor, with a grace of one hour
   */
  readonly monitoring?: BackupMonitoringProps;
  /**
   * How schedules are analysed at synth: expected durations, whether overlapping backups are refused, the report.
   * @default - see BackupPlanOptions
   */
  readonly backupPlan?: BackupPlanOptions;
}

/** Ids of the cluster's own scopes, which added constructs cannot take. */
const OWN_SCOPES = ['Resources', 'NetworkPolicies', 'Monitoring'];

/**
 * An IvorySQL cluster with pgBackRest backups: the library's main construct, declaring a database cluster, its
 * backup repos and schedules, and its restores in one place.
 *
 * With the operator target it synthesizes an `IvoryCluster` custom resource (`ivory-operator.ivorysql.org/v1beta1`)
 * plus the objects IVYO needs beside it; with the standalone target, every object IVYO would otherwise create.
 *
 * A cluster grows after it is created: `addRepo`, `addInstanceSet`, and child constructs for what renders objects
 * of its own (`addManualBackup`, `addBackupDeletion`, `addRestoreCheck`). Props are fed through the same calls. Each
 * value is checked when it is given; checks that need the whole cluster (repo references, restore sources, repo
 * locations shared with other clusters, schedule collisions) run at synth, and everything renders then. Either way
 * a refusal is an error named `ValidationError` that names the construct path, each bad field, its value and what is
 * allowed, all at once.
 */
export class IvoryCluster extends Construct {
  /** The cluster's name, from which its objects' names derive. */
  public readonly clusterName: string;
  /** The cluster's namespace, where all of its objects are. */
  public readonly namespace: string;
  /** What this cluster synthesizes: the operator's custom resource or the standalone objects. */
  public readonly target: DeploymentTarget;

  private readonly settings: ClusterSettings;
  private readonly planOptions: BackupPlanOptions;
  private readonly instanceSets: ResolvedInstanceSet[] = [];
  private readonly users: ResolvedUser[] = [];
  private readonly roster: RepoRoster;
  private readonly restoreFrom?: Restore;
  private readonly inPlaceRestore?: Restore;
  private readonly standby?: Standby;
  /** Fields of constructs added through props (`restoreChecks[0]`); others are named by their call. */
  private readonly childFields = new Map<IConstruct, string>();
  private readonly resources: Construct;
  /** The model and its analysis, for the cluster as it was when `key` was taken (see `modelCache`). */
  private cached?: { key: string; model: ClusterModel; plan?: BackupPlanAnalysis };
  private rendered = false;
  private checked = false;

  /**
   * Declares a cluster. Props are checked here, each with its field; what needs the whole cluster is checked at synth.
   * @param scope the chart (or a construct in it) the cluster's objects go into
   * @param id the construct id; also the cluster's name unless `props.name` is given
   * @param props the cluster's settings; all optional, but a repo is needed by synth
   */
  constructor(scope: Construct, id: string, props: IvoryClusterProps = {}) {
    super(scope, id);
    const problems = new Problems();
    if (props === null || typeof props !== 'object' || Array.isArray(props)) {
      problems.add('props', props, 'must be IvoryClusterProps: an object (or nothing)');
      problems.throwIfAny(this);
    }
    // From here on, every prop has the kind its interface declares, or is left out and reported.
    props = checkInput(problems, 'IvoryClusterProps', props);
    this.settings = resolveSettings(this, id, props, problems);
    this.clusterName = this.settings.name;
    this.namespace = this.settings.namespace;
    this.target = this.settings.target;
    this.planOptions = props.backupPlan ?? {};
    validatePlanOptions(problems, 'backupPlan', this.planOptions);
    this.restoreFrom = checkRestoreFrom(problems, props.restoreFrom, this.settings.version);
    this.inPlaceRestore = checkInPlaceRestore(problems, props.inPlaceRestore, this.settings.version);
    this.standby = checkStandby(problems, props.standby, this.inPlaceRestore !== undefined);
    this.roster = new RepoRoster(this.settings);

    const sets = props.instances ?? [{}];
    if (sets.length === 0) problems.add('instances', sets, 'must list at least one instance set');
    sets.forEach((set, i) => this.addInstanceSetTo(problems, `instances[${i}]`, set));
    const repos = props.repos ?? [];
    this.roster.reserveNames(repos, 'repos');
    repos.forEach((repo, i) => this.roster.add(problems, `repos[${i}]`, repo));

    // Objects render into this scope, created first, so they come before those of the constructs added below.
    this.resources = new Construct(this, 'Resources');
    if (props.manualBackup !== undefined) this.addChild(problems, 'manualBackup', 'ManualBackup', props.manualBackup, ManualBackup);
    const deletionIds = new Set<string>();
    (props.backupDeletions ?? []).forEach((d, i) => {
      const what = d?.oldest === true && d?.backupSet === undefined ? 'oldest' : String(d?.backupSet);
      const childId = `Deletion-${String(d?.repoName)}-${what}`;
      if (deletionIds.has(childId)) {
        problems.add(`backupDeletions[${i}]`, `${d.repoName} ${what}`, 'is listed twice');
        return;
      }
      deletionIds.add(childId);
      this.addChild(problems, `backupDeletions[${i}]`, childId, d, BackupDeletion);
    });
    (props.restoreChecks ?? []).forEach((c, i) => {
      const checkId = c?.checkId;
      this.addChild(problems, `restoreChecks[${i}]`, typeof checkId === 'string' ? checkId : `restoreChecks[${i}]`, c, RestoreCheck);
    });
    (props.users ?? []).forEach((u, i) => this.addUserTo(problems, `users[${i}]`, u));
    problems.throwIfAny(this);

    registerCluster(this, () => this._model);
    // Rendered at synth, when everything has been added: cdk8s validates the app before it synthesizes a chart.
    this.node.addValidation({ validate: () => this.renderOnce() });
  }

  /**
   * The cluster's repos, in repo-index order (a copy: add repos with `addRepo`); `repoNameOf` tells the name each
   * was assigned.
   */
  public get repos(): BackupRepo[] {
    return this.roster.repos.map(r => r.repo);
  }

  /**
   * The analysed backup plan, as the cluster is now: runs, collisions, recovery window per repo. Read it in a test
   * to assert what the schedules and retention give, before anything is deployed.
   */
  public get planAnalysis(): BackupPlanAnalysis {
    const cached = this.modelCache();
    cached.plan ??= BackupPlanAnalysis._analyse(cached.model, this.planOptions);
    return cached.plan;
  }

  /**
   * The analysed backup plan.
   * @deprecated use `planAnalysis`: a BackupPlan, in aws-backup, is what rules are added to
   */
  public get backupPlan(): BackupPlanAnalysis {
    return this.planAnalysis;
  }

  /** @internal */
  public get _model(): ClusterModel {
    return this.modelCache().model;
  }

  /**
   * Adds a pgBackRest repo (a cluster has one to four) and returns the name it gets: the one it asks for, else the
   * first free of `repo1`..`repo4`. WAL is archived to every repo.
   */
  public addRepo(repo: BackupRepo): string {
    this.assertOpen('addRepo');
    const problems = new Problems();
    const added = this.roster.add(problems, `repos[${this.roster.added.length}]`, repo);
    problems.throwIfAny(this);
    return (added as { name: string }).name;
  }

  /**
   * Adds a set of instances (a StatefulSet with the operator's naming), for instances of another size, storage
   * class or count than the others.
   */
  public addInstanceSet(props: InstanceSetProps = {}): void {
    this.assertOpen('addInstanceSet');
    const problems = new Problems();
    this.addInstanceSetTo(problems, `instances[${this.instanceSets.length}]`, props);
    problems.throwIfAny(this);
  }

  /**
   * Adds a role applications log in as, with its databases and the source of its password, and a Secret
   * `<cluster>-pguser-<name>` holding its connection details in IVYO's layout (`user`, `password`, `host`, `port`,
   * `dbname`, `uri`, `jdbc-uri`). Operator target: IVYO's `spec.users`. Standalone target: the primary creates the
   * role and its databases and keeps them in step with the code and the password's source, without a restart.
   * Removing a user from the code leaves its role and data as they are (see README, "Users and databases").
   */
  public addUser(props: DatabaseUserProps): void {
    this.assertOpen('addUser');
    const problems = new Problems();
    this.addUserTo(problems, `addUser(${JSON.stringify(String((props as { name?: unknown } | undefined)?.name))})`, props);
    problems.throwIfAny(this);
  }

  /**
   * Declares a one-off backup (IVYO's annotation trigger, or a Job with the standalone target). A cluster takes one
   * at a time, as IVYO does.
   */
  public addManualBackup(id: string, props: ManualBackupProps): ManualBackup {
    return this.addChildNow(`addManualBackup(${JSON.stringify(id)})`, id, props, ManualBackup);
  }

  /**
   * Declares the deletion of one backup with `pgbackrest expire --set`, or of the repo's oldest full backup with
   * `pgbackrest expire --oldest` (standalone target: a Job), for a backup retention should not keep. The operator
   * target refuses it at synth: IVYO has no API to delete a backup.
   */
  public addBackupDeletion(id: string, props: BackupDeletionProps): BackupDeletion {
    return this.addChildNow(`addBackupDeletion(${JSON.stringify(id)})`, id, props, BackupDeletion);
  }

  /**
   * Declares a check that restores a backup into a scratch volume and queries it (standalone target: a Job, or a
   * CronJob with a schedule). Its id is `id` unless the props give `checkId`.
   */
  public addRestoreCheck(id: string, props: RestoreCheckProps): RestoreCheck {
    return this.addChildNow(`addRestoreCheck(${JSON.stringify(id)})`, id, props, RestoreCheck);
  }

  /**
   * The name assigned to `repo` (`repo1`..`repo4`), to refer to an unnamed repo in a ManualBackup, a RestoreCheck
   * or a restore. Throws for a repo that was not added to this cluster.
   */
  public repoNameOf(repo: BackupRepo): string {
    const found = this.roster.added.find(r => r.repo === repo);
    if (!found) throwValidationError(this.node.path, ['repoNameOf: that BackupRepo is not one of this cluster\'s repos']);
    return found.name;
  }

  private addUserTo(problems: Problems, field: string, props: DatabaseUserProps): void {
    const resolved = resolveUser(problems, field, props, this.settings, this.users);
    if (resolved) this.users.push(resolved);
  }

  private addInstanceSetTo(problems: Problems, field: string, set: InstanceSetProps): void {
    const resolved = resolveInstanceSet(problems, field, set, this.instanceSets.length, this.settings.names, this.instanceSets);
    if (resolved) this.instanceSets.push(resolved);
  }

  private addChildNow<P, C extends Construct>(field: string, id: string, props: P, kind: ChildKind<P, C>): C {
    this.assertOpen(field);
    const problems = new Problems();
    const idOk = checkArgument(problems, `${field}: id`, id, str) !== undefined;
    const child = idOk ? this.addChild(problems, field, id, props, kind) : undefined;
    problems.throwIfAny(this);
    return child as C;
  }

  /** Checks `props` under `field` and, when they pass, adds the construct they describe. */
  private addChild<P, C extends Construct>(problems: Problems, field: string, id: string, props: P, kind: ChildKind<P, C>): C | undefined {
    const before = problems.messages.length;
    kind._check(problems, field, props, id);
    if (kind === (ManualBackup as unknown) && this.node.children.some(c => c instanceof ManualBackup)) {
      problems.addRaw(field, 'a cluster takes one manual backup at a time, as IVYO does (its spec has one manual backup and one trigger annotation); remove the other one first');
    }
    if (kind === (RestoreCheck as unknown)) this.checkRestoreCheckName(problems, field, props as RestoreCheckProps, id);
    if (OWN_SCOPES.includes(id) || this.node.tryFindChild(id) !== undefined) {
      problems.add(`${field}: id`, id, `is already the id of a construct of this cluster${OWN_SCOPES.includes(id) ? ' (its own scope)' : ''}; give each its own id`);
    }
    if (problems.messages.length > before) return undefined;
    const child = new kind(this, id, props);
    this.childFields.set(child, field);
    return child;
  }

  /** A check's id names its Job or CronJob: unique in the cluster, and short enough with the cluster's name. */
  private checkRestoreCheckName(problems: Problems, field: string, props: RestoreCheckProps, id: string): void {
    const checkId = props?.checkId ?? id;
    if (typeof checkId !== 'string') return;
    if (this.node.children.some(c => c instanceof RestoreCheck && c.checkId === checkId)) {
      problems.add(`${field}.checkId`, checkId, 'restore check ids must be unique');
    }
    const jobName = this.settings.names.restoreCheck(checkId);
    const scheduled = props?.schedule !== undefined;
    // A CronJob's name leaves 11 characters for the Jobs it creates.
    const limit = scheduled ? 52 : 63;
    if (jobName.length > limit) {
      problems.add(`${field}.checkId`, checkId, `makes the ${scheduled ? 'CronJob' : 'Job'} name "${jobName}" longer than ${limit} characters; shorten it`);
    }
  }

  /** The field an added construct is named by in messages. */
  private fieldOf(child: IConstruct): string {
    return this.childFields.get(child) ?? child.node.path.slice(this.node.path.length + 1);
  }

  /**
   * The model, built again when something was added since: instance sets and repos are only ever appended, and a
   * construct made in the cluster directly (`new RestoreCheck(cluster, ...)`) is a child like one added by a call,
   * so their counts say whether the cache is current.
   */
  private modelCache(): { model: ClusterModel; plan?: BackupPlanAnalysis } {
    const key = `${this.instanceSets.length}/${this.roster.added.length}/${this.node.children.length}/${this.users.length}`;
    if (this.cached?.key === key) return this.cached;
    this.cached = {
      key,
      model: buildModel(this.settings, {
        instances: this.instanceSets,
        repos: this.roster.repos,
        restoreFrom: this.restoreFrom,
        inPlaceRestore: this.inPlaceRestore,
        standby: this.standby,
        manualBackup: this.node.children.find((c): c is ManualBackup => c instanceof ManualBackup),
        backupDeletions: this.node.children.filter((c): c is BackupDeletion => c instanceof BackupDeletion),
        restoreChecks: this.node.children.filter((c): c is RestoreCheck => c instanceof RestoreCheck),
        users: this.users,
      }),
    };
    return this.cached;
  }

  private assertOpen(call: string): void {
    if (this.rendered) {
      throwValidationError(this.node.path, [`${call}: the cluster was already synthesized; add everything before the app synthesizes`]);
    }
  }

  /**
   * At the app's first validation: every cluster of the app is checked (and claims its names and locations), then
   * every one renders, then the reports are written. A refusal anywhere leaves nothing behind: no cluster's report
   * is written for a synth that fails.
   */
  private renderOnce(): string[] {
    if (this.rendered) return [];
    const clusters = this.node.root.node.findAll().filter((c): c is IvoryCluster => c instanceof IvoryCluster && !c.rendered);
    for (const c of clusters) c.checkWhole();
    for (const c of clusters) c.render();
    for (const c of clusters) c.writeReport();
    return [];
  }

  /** Checks that need the whole cluster or the app; an accepted cluster claims its names and repo locations. */
  private checkWhole(): void {
    if (this.checked) return;
    const model = this._model;
    const problems = new Problems();
    checkCluster(this, model, c => this.fieldOf(c), problems);
    problems.throwIfAny(this);
    this.planAnalysis._validate(problems, 'repos');
    problems.throwIfAny(this);
    claim(this, appClaims(model));
    this.checked = true;
  }

  private render(): void {
    const model = this._model;
    if (model.target === DeploymentTarget.OPERATOR) {
      renderOperatorTarget(this, this.resources, model, this.planOptions.operatorSuspend ?? OperatorSuspend.REFUSE);
    } else {
      renderStandaloneTarget(this, this.resources, model, () => new Construct(this, 'NetworkPolicies'));
    }
    renderMonitoring(new Construct(this, 'Monitoring'), model, this.planAnalysis._alertRules);
    this.rendered = true;
  }

  private writeReport(): void {
    const plan = this.planAnalysis;
    if (!plan.writeReport) return;
    // Where the app's settings say (BackupPlanReports).
    const directory = BackupPlanReports._directoryFor(this, this.planOptions.writeReport);
    if (directory !== undefined) writeReport(directory, plan);
  }
}

/** A construct class added by the cluster: checks its props under a field, then is created from them. */
interface ChildKind<P, C> {
  new (scope: Construct, id: string, props: P): C;
  _check(problems: Problems, field: string, props: P, defaultId?: string): P;
}

function checkRestoreFrom(problems: Problems, restore: Restore | undefined, version: PgBackRestVersion): Restore | undefined {
  if (restore === undefined) return undefined;
  if (restore.kind === RestoreKind.IN_PLACE) {
    problems.add('restoreFrom', 'Restore.inPlace(...)', 'restoreFrom creates a new cluster from a backup; an in-place restore goes in inPlaceRestore');
    return undefined;
  }
  restore._validate(problems, 'restoreFrom', version);
  if (restore.kind === RestoreKind.FROM_REPO && restore.repo instanceof BackupRepo && restore.repo.storage === 'volume') {
    problems.add('restoreFrom.repo', 'BackupRepo.volume(...)', 'a repo without its cluster must be in an object store (S3, GCS or Azure); a volume repo is only reachable through its cluster');
  }
  return restore;
}

function checkInPlaceRestore(problems: Problems, restore: Restore | undefined, version: PgBackRestVersion): Restore | undefined {
  if (restore === undefined) return undefined;
  if (restore.kind !== RestoreKind.IN_PLACE) {
    problems.add('inPlaceRestore', `Restore.${restore.kind}(...)`, 'must be Restore.inPlace(...); restores into a new cluster go in restoreFrom');
    return undefined;
  }
  restore._validate(problems, 'inPlaceRestore', version);
  return restore;
}

function checkStandby(problems: Problems, standby: Standby | undefined, inPlace: boolean): Standby | undefined {
  if (standby === undefined) return undefined;
  standby._validate(problems, 'standby');
  if (inPlace) problems.addRaw('inPlaceRestore', 'a standby cluster follows its primary and cannot be restored in place');
  return standby;
}
