/**
 * The operator target: an IvoryCluster custom resource (ivory-operator.ivorysql.org/v1beta1) and the objects IVYO
 * needs beside it. IVYO then creates the pgBackRest config, repo host, CronJobs and Jobs itself.
 */
import { ApiObject, Size } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct, IConstruct } from 'constructs';
import { ivyoShellWords } from './ivyo-shell';
import { OperatorSuspend } from '../../backup-plan-options';
import { RepoStorage } from '../../repo-credentials';
import { Restore, RestoreKind } from '../../restore';
import { renderExternalSecret } from '../kube/external-secret';
import { kubeObject } from '../kube/kube-object';
import { plainResources } from '../kube/resources';
import { volumeClaimSpecJson } from '../kube/volume-claim';
import { BACKUP_TYPES, SCHEDULE_FIELD } from '../model/backup-types';
import { ClusterModel, ResolvedInstanceSet, ResolvedRepo } from '../model/cluster-model';
import { DEFAULT_EXPORTER_IMAGE } from '../model/defaults';
import { ANNOTATION, MANAGED_BY } from '../model/naming';
import { restoreSource } from '../model/restore-source';
import { ResolvedUser, roleOptions } from '../model/users';
import { backupSourceOptions, ConfDirSource, confDirSources, ConfigRole, OPERATOR_GENERATED, repoOptions, secureBindings } from '../pgbackrest/config';
import { checkIniSections, mergeOptions, renderIni } from '../pgbackrest/ini';
import { pgbackrestDefaultRepoPath, SPOOL_DIR } from '../pgbackrest/layout';
import { repoOptionSuffix } from '../pgbackrest/options';
import { Problems } from '../validation';

export const IVORY_API_VERSION = 'ivory-operator.ivorysql.org/v1beta1';

/**
 * Renders the cluster into `scope`; refusals name `cluster`, the construct whose props they are about. `suspend` is
 * what a suspended schedule does (backupPlan.operatorSuspend).
 */
export function renderOperatorTarget(cluster: IConstruct, scope: Construct, model: ClusterModel, suspend: OperatorSuspend): void {
  const problems = new Problems();
  if (model.restoreChecks.length > 0) {
    problems.addRaw('restoreChecks', 'restore checks are rendered by the standalone target only (IVYO has no API for them); with the operator, clone into a scratch cluster with restoreFrom');
  }
  if (model.backupDeletions.length > 0) {
    problems.addRaw('backupDeletions', 'IVYO has no API to delete a backup; backupDeletions are rendered by the standalone target only (with the operator, rely on retention)');
  }
  if (model.restoreFrom?.kind === RestoreKind.FROM_CLUSTER && model.restoreFrom.source?.target !== model.target) {
    problems.addRaw('restoreFrom.source', 'the source cluster must use the same target (operator) to be restored from by IVYO');
  }
  for (const r of model.repos) {
    if (r.repo.schedule?.timeZone !== undefined && r.repo.schedule.timeZone !== 'UTC') {
      problems.add(`${r.field}.schedule.timeZone`, r.repo.schedule.timeZone,
        'the operator target cannot set a time zone: IVYO creates CronJobs without one, so they follow the kube-controller-manager\'s zone (usually UTC); write the schedule in UTC');
    }
    if (r.repo.schedule?.suspended && suspend !== OperatorSuspend.OMIT_SCHEDULES) {
      problems.add(`${r.field}.schedule.suspended`, true,
        'IVYO cannot suspend a schedule: repos[].schedules has no suspend field, and its CronJobs stop only when the schedules leave the IvoryCluster, '
        + 'which makes IVYO delete them (with their Jobs) until they come back. To do that, set backupPlan.operatorSuspend: OperatorSuspend.OMIT_SCHEDULES '
        + '(the plan stays declared here and in the backup plan report). IVYO\'s spec.shutdown suspends every CronJob, but stops the database too');
    }
  }
  problems.throwIfAny(cluster);

  const externalSecret = renderExternalSecret(scope, model, secureBindings(model.repos), model.names.pgbackrestSecrets);
  // A repo without its cluster keeps its name, so its credentials get a Secret of their own: IVYO's restore Job
  // reads only dataSource.pgbackrest (its repo, global and configuration), never the cluster's own repos.
  const source = model.restoreFrom?.kind === RestoreKind.FROM_REPO ? restoreSource(model) : undefined;
  const sourceExternalSecret = source
    ? renderExternalSecret(new Construct(scope, 'RestoreSource'), model, secureBindings([source.repo]), model.names.restoreSecrets)
    : undefined;
  const annotations: { [key: string]: string } = { ...model.annotations };
  if (model.manualBackup) annotations[ANNOTATION.manualBackup] = model.manualBackup.backupId;
  if (model.inPlaceRestore) annotations[ANNOTATION.restore] = model.inPlaceRestore.restoreId as string;
  if (model.highAvailability.switchover) annotations[ANNOTATION.triggerSwitchover] = model.highAvailability.switchover.trigger;

  // The last line of defence: what reaches IVYO's shell and its conf files is checked where it is rendered.
  const rendered = new Problems();
  const repeatedConf = renderRepeatedOptions(scope, model, rendered);
  const spec = clusterSpec(model, externalSecret, sourceExternalSecret, repeatedConf, rendered);
  rendered.throwIfAny(cluster);
  new ApiObject(scope, 'Resource', {
    apiVersion: IVORY_API_VERSION,
    kind: 'IvoryCluster',
    metadata: {
      name: model.name,
      namespace: model.namespace,
      labels: { ...model.labels, ...MANAGED_BY },
      ...(Object.keys(annotations).length ? { annotations } : {}),
    },
    spec,
  });
}

function clusterSpec(model: ClusterModel, externalSecret: string | undefined, sourceExternalSecret: string | undefined,
  repeatedConf: ConfDirSource | undefined, rendered: Problems): { [key: string]: unknown } {
  const spec: { [key: string]: unknown } = {
    postgresVersion: model.postgresVersion,
    image: model.image,
    port: model.port,
    instances: model.instances.map(instanceSpec),
    backups: { pgbackrest: pgbackrestSpec(model, externalSecret, repeatedConf, rendered) },
  };
  const metadata = podMetadata(model);
  if (metadata) spec.metadata = metadata;
  spec.patroni = patroniSpec(model);
  const dataSource = dataSourceSpec(model, sourceExternalSecret, rendered);
  if (dataSource) spec.dataSource = dataSource;
  if (model.standby) {
    spec.standby = {
      enabled: true,
      ...(model.standby.repoName ? { repoName: model.standby.repoName } : {}),
      ...(model.standby.host ? { host: model.standby.host, port: model.standby.port } : {}),
    };
  }
  if (model.monitoring.exporter) {
    // Present is on (IVYO's ExporterEnabled). No `configuration`: a projected queries.yml replaces IVYO's own queries,
    // and with them the ccp_* metrics the alerts read.
    const exporter: { [key: string]: unknown } = {};
    if (model.monitoring.exporterImage !== DEFAULT_EXPORTER_IMAGE) exporter.image = model.monitoring.exporterImage;
    if (model.monitoring.exporterResources) exporter.resources = plainResources(model.monitoring.exporterResources, {});
    spec.monitoring = { pgmonitor: { exporter } };
  }
  // Without spec.users IVYO creates a user and a database named after the cluster; with it, only these.
  if (model.users.length) spec.users = model.users.map(operatorUser);
  return spec;
}

/** Labels and annotations IVYO copies to every object, including workload-identity annotations for its ServiceAccounts. */
function podMetadata(model: ClusterModel): { labels?: { [k: string]: string }; annotations?: { [k: string]: string } } | undefined {
  const labels = { ...model.labels };
  const annotations = { ...model.annotations };
  for (const r of model.repos) {
    Object.assign(annotations, r.repo._storage.credentials?._spec.serviceAccountAnnotations ?? {});
    Object.assign(labels, r.repo._storage.credentials?._spec.podLabels ?? {});
  }
  const out: { labels?: { [k: string]: string }; annotations?: { [k: string]: string } } = {};
  if (Object.keys(labels).length) out.labels = labels;
  if (Object.keys(annotations).length) out.annotations = annotations;
  return out.labels || out.annotations ? out : undefined;
}

function instanceSpec(set: ResolvedInstanceSet): { [key: string]: unknown } {
  const spec: { [key: string]: unknown } = {
    name: set.name,
    replicas: set.replicas,
    dataVolumeClaimSpec: volumeClaimSpecJson(set.dataVolumeSize, set.storageClassName),
  };
  if (set.walVolumeSize) spec.walVolumeClaimSpec = volumeClaimSpecJson(set.walVolumeSize, set.walStorageClassName);
  if (set.resources) spec.resources = plainResources(set.resources, {});
  return spec;
}

/**
 * `global`: every repo option IVYO does not generate from the CRD fields, tuning, then the user's options. Options
 * with one line per value (storage tags) are not in it: a map holds each key once (renderRepeatedOptions).
 */
function operatorGlobal(model: ClusterModel, repos: ResolvedRepo[], ownRepos = true): { [option: string]: string } {
  const fromRepos: { [option: string]: string } = {};
  for (const r of repos) {
    // A restore source is only read: IVYO's restore writes nothing to it.
    for (const [option, value] of Object.entries(repoOptions(model, r, ConfigRole.JOB, { readOnly: !ownRepos }))) {
      if (typeof value !== 'string') continue;
      if (OPERATOR_GENERATED.includes(repoOptionSuffix(option))) continue;
      // IVYO writes repoN-path = /pgbackrest/repoN itself.
      if (option === `repo${r.index}-path` && value === pgbackrestDefaultRepoPath(r.name)) continue;
      fromRepos[option] = value;
    }
  }
  // A restore source's config runs no backup.
  const tuning = { ...model.tuning.global, ...(ownRepos ? backupSourceOptions(model) : {}) };
  // IVYO's pods have a read-only root filesystem: the async spool goes on the data volume.
  if (model.tuning.archiveAsync) tuning['spool-path'] = SPOOL_DIR;
  // The user's repo options are for the cluster's own repos, not for a restore source of the same index.
  const user = ownRepos ? model.userGlobal
    : Object.fromEntries(Object.entries(model.userGlobal).filter(([option]) => !/^repo\d+-/i.test(option)));
  return mergeOptions(tuning, fromRepos, user);
}

/**
 * The repo options written one line per value (`repoN-storage-tag=key=value`): IVYO's `global` is a map, one line per
 * key, so they go into a conf file of a ConfigMap that `configuration` projects into conf.d, where pgBackRest reads
 * every file into one configuration (a key repeated in [global] is a list). Returns its projection, if any.
 */
function renderRepeatedOptions(scope: Construct, model: ClusterModel, rendered: Problems): ConfDirSource | undefined {
  const repeated: { [option: string]: readonly string[] } = {};
  for (const r of model.repos) {
    for (const [option, value] of Object.entries(repoOptions(model, r, ConfigRole.JOB))) {
      if (typeof value !== 'string') repeated[option] = value;
    }
  }
  if (Object.keys(repeated).length === 0) return undefined;
  const sections = { global: repeated };
  const before = rendered.messages.length;
  checkIniSections(rendered, sections);
  if (rendered.messages.length > before) return undefined;
  const name = model.names.pgbackrestStorageTags;
  kubeObject(k8s.KubeConfigMap, scope, 'PgBackRestStorageTags', {
    metadata: { name, namespace: model.namespace, labels: { ...model.labels, ...MANAGED_BY } },
    data: { [STORAGE_TAGS_KEY]: renderIni(sections) },
  });
  return { kind: 'configMap', name, items: [{ key: STORAGE_TAGS_KEY, path: STORAGE_TAGS_KEY }] };
}

/** The key, and file name in conf.d, of the operator target's storage tags conf file. */
const STORAGE_TAGS_KEY = 'pgbackrest-storage-tags.conf';

function repoSpec(r: ResolvedRepo, withSchedules = true): { [key: string]: unknown } {
  const s = r.repo._storage;
  const spec: { [key: string]: unknown } = { name: r.name };
  switch (s.storage) {
    case RepoStorage.VOLUME:
      spec.volume = { volumeClaimSpec: volumeClaimSpecJson(s.size as Size, s.storageClassName, s.accessMode) };
      break;
    case RepoStorage.S3:
      spec.s3 = { bucket: s.bucket, endpoint: s.endpoint, region: s.region };
      break;
    case RepoStorage.GCS:
      spec.gcs = { bucket: s.bucket };
      break;
    case RepoStorage.AZURE:
      spec.azure = { container: s.container };
      break;
  }
  const schedules: { [key: string]: string } = {};
  // A suspended schedule is left out (backupPlan.operatorSuspend OMIT_SCHEDULES; refused otherwise): IVYO has no suspend.
  for (const type of withSchedules && !r.repo.schedule?.suspended ? BACKUP_TYPES : []) {
    const cron = r.repo.schedule?.cronFor(type);
    if (cron !== undefined) schedules[SCHEDULE_FIELD[type]] = cron;
  }
  if (Object.keys(schedules).length) spec.schedules = schedules;
  return spec;
}

function projections(sources: ConfDirSource[]): { [key: string]: unknown }[] {
  return sources.map(s => ({ [s.kind]: { name: s.name, ...(s.items ? { items: s.items } : {}) } }));
}

function pgbackrestSpec(model: ClusterModel, externalSecret: string | undefined, repeatedConf: ConfDirSource | undefined,
  rendered: Problems): { [key: string]: unknown } {
  const global = operatorGlobal(model, model.repos);
  // IVYO writes `global` into its pgBackRest conf files.
  checkIniSections(rendered, { global });
  const spec: { [key: string]: unknown } = {
    image: model.pgbackrestImage,
    global,
    repos: model.repos.map(r => repoSpec(r)),
  };
  const configuration = projections([...confDirSources(model.repos, externalSecret), ...(repeatedConf ? [repeatedConf] : [])]);
  if (configuration.length) spec.configuration = configuration;
  if (model.manualBackup) {
    const m = model.manualBackup;
    const options = [`--type=${m.backupType}`, ...ivyoShellWords(rendered, 'manualBackup.options', m.options)];
    if (model.tuning.startFastManual && !options.some(o => o.startsWith('--start-fast'))) options.push('--start-fast');
    spec.manual = { repoName: m.repoName, options };
  }
  if (model.inPlaceRestore) {
    spec.restore = { enabled: true, repoName: model.inPlaceRestore.repoName, options: operatorRestoreOptions(model.inPlaceRestore, rendered, 'inPlaceRestore') };
  }
  if (model.repoHost.resources || model.repoHost.priorityClassName) {
    spec.repoHost = {
      ...(model.repoHost.resources ? { resources: plainResources(model.repoHost.resources, {}) } : {}),
      ...(model.repoHost.priorityClassName ? { priorityClassName: model.repoHost.priorityClassName } : {}),
    };
  }
  const jobs = model.jobs;
  const jobsSpec: { [key: string]: unknown } = {};
  if (jobs.resources) jobsSpec.resources = plainResources(jobs.resources, {});
  if (jobs.priorityClassName) jobsSpec.priorityClassName = jobs.priorityClassName;
  if (jobs.ttlAfterFinished) jobsSpec.ttlSecondsAfterFinished = jobs.ttlAfterFinished.toSeconds();
  if (Object.keys(jobsSpec).length) spec.jobs = jobsSpec;
  return spec;
}

/** A restore's options as IVYO runs them: joined with spaces, through bash. */
function operatorRestoreOptions(restore: Restore, rendered: Problems, field: string): string[] {
  return [
    ...ivyoShellWords(rendered, `${field}.target`, restore.target.toArguments()),
    ...ivyoShellWords(rendered, `${field}.repoTargetTime`, restore._repoTargetArguments()),
    ...ivyoShellWords(rendered, `${field}.options`, restore.options),
  ];
}

function dataSourceSpec(model: ClusterModel, sourceExternalSecret: string | undefined, rendered: Problems): { [key: string]: unknown } | undefined {
  const restore = model.restoreFrom;
  if (!restore) return undefined;
  const options = operatorRestoreOptions(restore, rendered, 'restoreFrom');
  switch (restore.kind) {
    case RestoreKind.FROM_CLUSTER:
    case RestoreKind.FROM_CLUSTER_NAME: {
      const source = restoreSource(model);
      const clusterName = restore.kind === RestoreKind.FROM_CLUSTER ? restore.source?.clusterName : restore.clusterName;
      const clusterNamespace = restore.kind === RestoreKind.FROM_CLUSTER ? restore.source?.namespace : restore.clusterNamespace;
      return {
        ivoryCluster: {
          clusterName,
          ...(clusterNamespace && clusterNamespace !== model.namespace ? { clusterNamespace } : {}),
          repoName: source?.repo.name ?? restore.repoName,
          ...(options.length ? { options } : {}),
        },
      };
    }
    case RestoreKind.FROM_REPO: {
      const source = restoreSource(model);
      if (!source) return undefined;
      const repos = [source.repo];
      const configuration = projections(confDirSources(repos, sourceExternalSecret));
      const global = operatorGlobal(model, repos, false);
      checkIniSections(rendered, { global });
      return {
        pgbackrest: {
          stanza: source.stanza,
          repo: repoSpec(source.repo, false),
          global,
          ...(configuration.length ? { configuration } : {}),
          ...(options.length ? { options } : {}),
        },
      };
    }
    default:
      return undefined;
  }
}

/** A user as IVYO's `spec.users` takes it; IVYO generates the password (the operator target takes no other source). */
function operatorUser(user: ResolvedUser): { [key: string]: unknown } {
  return {
    name: user.name,
    ...(user.databases.length ? { databases: user.databases } : {}),
    options: roleOptions(user),
    password: { type: user.password.alphanumeric ? 'AlphaNumeric' : 'ASCII' },
  };
}

/**
 * spec.patroni: PostgreSQL parameters and the high-availability settings through Patroni's dynamic configuration,
 * except ttl and loop_wait, which IVYO sets from leaderLeaseDurationSeconds and syncPeriodSeconds over anything
 * given there (internal/patroni/config.go).
 */
function patroniSpec(model: ClusterModel): { [key: string]: unknown } {
  const { ttl, loop_wait: loopWait, ...dynamic } = model.highAvailability.dynamic;
  const switchover = model.highAvailability.switchover;
  return {
    ...(ttl !== undefined ? { leaderLeaseDurationSeconds: ttl } : {}),
    ...(loopWait !== undefined ? { syncPeriodSeconds: loopWait } : {}),
    dynamicConfiguration: { ...dynamic, postgresql: { parameters: { ...model.tuning.postgres } } },
    ...(switchover ? { switchover: { enabled: true, type: 'Switchover', ...(switchover.targetInstance ? { targetInstance: switchover.targetInstance } : {}) } } : {}),
  };
}
