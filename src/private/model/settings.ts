/**
 * A cluster's own settings: everything in its props that is not a list of things added to it. Checked when the
 * cluster is created; none of it changes afterwards.
 */
import { Chart, Duration } from 'cdk8s';
import { ContainerResources } from 'cdk8s-plus-28';
import { IConstruct } from 'constructs';
import { BackupSource } from '../../backup-source';
import { ClientAccess } from '../../client-access';
import { BackupJobOptions, ExternalSecretStoreRef, RepoHostOptions } from '../../cluster-options';
import { DeploymentTarget } from '../../deployment-target';
import type { IvoryClusterProps } from '../../ivory-cluster';
import { DatabaseMode } from '../../ivorysql-engine';
import { PgBackRestTuningProps } from '../../pgbackrest-tuning';
import { PgBackRestVersion } from '../../pgbackrest-version';
import { TlsCertificates } from '../../tls-certificates';
import { validateResources } from '../kube/resources';
import { TLS_SERVER_PORT } from '../pgbackrest/config';
import { validateTuning } from '../pgbackrest/tuning';
import { ResolvedImageBuild, validateImageBuild } from '../postgres/engine';
import { ResolvedHighAvailability, resolveHighAvailability } from '../patroni/settings';
import { checkDnsLabel, checkDnsSubdomain, checkInteger, checkLabels, checkSince, Problems, showValue } from '../validation';
import { DEFAULT_EXPORTER_IMAGE, DEFAULT_IVORYSQL_IMAGE, DEFAULT_PGBACKREST_IMAGE, IMAGE_UID } from './defaults';
import { ClusterNames, MAX_CLUSTER_NAME } from './naming';

/** The settings, resolved: defaults applied. */
export interface ClusterSettings {
  readonly name: string;
  readonly namespace: string;
  readonly names: ClusterNames;
  readonly target: DeploymentTarget;
  readonly postgresVersion: number;
  readonly image: string;
  readonly pgbackrestImage: string;
  readonly version: PgBackRestVersion;
  readonly port: number;
  readonly labels: { [key: string]: string };
  readonly annotations: { [key: string]: string };
  /** pgBackRest options the user added to `[global]`; they win over generated ones. */
  readonly userGlobal: { [option: string]: string };
  readonly tuningProps: PgBackRestTuningProps;
  readonly imageBuild: ResolvedImageBuild;
  readonly jobs: BackupJobOptions;
  /** Where backups read from (backupJobs.source). */
  readonly backupSource: BackupSource;
  readonly repoHost: RepoHostOptions;
  readonly externalSecretStore?: ExternalSecretStoreRef;
  readonly tls: TlsCertificates;
  /** Left to the platform when undefined (`userFromPlatform`). */
  readonly runAsUser?: number;
  readonly fsGroup?: number;
  readonly databaseMode: DatabaseMode;
  readonly monitoring: ResolvedMonitoring;
  /** standalone.initdbOverExistingStanza: initdb on an empty primary volume even when the repos hold the stanza. */
  readonly initdbOverExistingStanza: boolean;
  /** Who may connect to PostgreSQL (standalone NetworkPolicy), defaults applied. */
  readonly clientAccess: ClientAccess[];
  /** Patroni's settings given (highAvailability). */
  readonly highAvailability: ResolvedHighAvailability;
}

/** How the cluster's backups are watched (BackupMonitoringProps, defaults applied). */
export interface ResolvedMonitoring {
  readonly exporter: boolean;
  readonly exporterImage: string;
  readonly exporterResources?: ContainerResources;
  readonly alerts: boolean;
  /** Seconds. */
  readonly grace: number;
  readonly ruleLabels: { [key: string]: string };
}

export function resolveSettings(scope: IConstruct, id: string, props: IvoryClusterProps, problems: Problems): ClusterSettings {
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
  const initdbOverExistingStanza = standalone.initdbOverExistingStanza ?? false;
  if (typeof initdbOverExistingStanza !== 'boolean') problems.add('standalone.initdbOverExistingStanza', initdbOverExistingStanza, 'must be true or false');
  const clientAccess = standalone.clientAccess ?? [ClientAccess.sameNamespace()];
  clientAccess.forEach((c, i) => validateClientAccess(problems, `standalone.clientAccess[${i}]`, c));
  const tls = standalone.tls ?? TlsCertificates.certManager();
  if (target === DeploymentTarget.STANDALONE) tls._validate(problems, 'standalone.tls');

  const highAvailability = resolveHighAvailability(problems, 'highAvailability', props.highAvailability);

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
  const backupSource = jobs.source ?? BackupSource.PRIMARY;
  if (!Object.values(BackupSource).includes(backupSource)) {
    problems.add('backupJobs.source', backupSource, `must be one of ${Object.keys(BackupSource).map(k => `BackupSource.${k}`).join(', ')}`);
  } else if (backupSource === BackupSource.PREFER_STANDBY) {
    checkSince(problems, 'backupJobs.source', 'BackupSource.PREFER_STANDBY', 'backup-standby=prefer', version, 54);
  }
  validateResources(problems, 'repoHost.resources', props.repoHost?.resources);
  for (const [field, pc] of [['repoHost.priorityClassName', props.repoHost?.priorityClassName], ['backupJobs.priorityClassName', jobs.priorityClassName]] as const) {
    if (pc !== undefined) checkDnsSubdomain(problems, field, pc);
  }
  if (props.externalSecretStore !== undefined) {
    checkDnsLabel(problems, 'externalSecretStore.name', props.externalSecretStore.name, 253);
    const kind = props.externalSecretStore.kind ?? 'SecretStore';
    if (!['SecretStore', 'ClusterSecretStore'].includes(kind)) {
      problems.add('externalSecretStore.kind', kind, 'must be SecretStore or ClusterSecretStore');
    }
  }

  const m = props.monitoring ?? {};
  if (m.exporterImage !== undefined && !/^[a-z0-9][a-z0-9._\/:@-]*$/i.test(m.exporterImage)) {
    problems.add('monitoring.exporterImage', m.exporterImage, 'must be an image reference such as registry/name:tag');
  }
  validateResources(problems, 'monitoring.exporterResources', m.exporterResources);
  checkLabels(problems, 'monitoring.ruleLabels', m.ruleLabels, true);
  const grace = m.grace?.toSeconds() ?? 3600;
  if (!(grace >= 0 && grace <= 7 * 86400)) {
    problems.add('monitoring.grace', `${grace}s`, 'must be a Duration from 0 to 7 days');
  }
  if (m.alerts === true && m.exporter === false) {
    problems.add('monitoring.alerts', true, 'alerts need the exporter\'s metrics: with exporter: false there is nothing to alert on (set alerts: false too, or keep the exporter)');
  }
  const exporter = m.exporter ?? true;
  const monitoring: ResolvedMonitoring = {
    exporter,
    exporterImage: m.exporterImage ?? DEFAULT_EXPORTER_IMAGE,
    exporterResources: m.exporterResources,
    alerts: m.alerts ?? exporter,
    grace,
    ruleLabels: m.ruleLabels ?? {},
  };

  return {
    monitoring,
    name,
    namespace,
    names: new ClusterNames(name, namespace, domain),
    target,
    postgresVersion,
    image: props.image ?? DEFAULT_IVORYSQL_IMAGE,
    pgbackrestImage: props.pgbackrestImage ?? DEFAULT_PGBACKREST_IMAGE,
    version,
    port,
    labels: props.labels ?? {},
    annotations: props.annotations ?? {},
    userGlobal: props.pgbackrestOptions ?? {},
    tuningProps: props.tuning ?? {},
    imageBuild,
    jobs,
    backupSource,
    repoHost: props.repoHost ?? {},
    externalSecretStore: props.externalSecretStore,
    tls,
    runAsUser,
    fsGroup,
    databaseMode,
    initdbOverExistingStanza: initdbOverExistingStanza === true,
    clientAccess,
    highAvailability,
  };
}

const IPV4_CIDR = /^((25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(25[0-5]|2[0-4]\d|1?\d?\d)\/(3[0-2]|[12]?\d)$/;
const IPV6_CIDR = /^[0-9a-f:]*:[0-9a-f:.]*\/(12[0-8]|1[01]\d|\d?\d)$/i;

function validateClientAccess(problems: Problems, field: string, access: ClientAccess): void {
  const spec = access._spec;
  if (spec.namespaceLabels !== undefined) {
    const name = spec.namespaceLabels['kubernetes.io/metadata.name'];
    if (access._factory === 'fromNamespace') checkDnsLabel(problems, `${field} (namespace)`, name);
    else checkLabels(problems, `${field}.namespaceLabels`, spec.namespaceLabels, true);
  }
  if (spec.podLabels !== undefined) checkLabels(problems, `${field}.podLabels`, spec.podLabels, true);
  if (access._factory === 'fromCidr' && !(typeof spec.cidr === 'string' && (IPV4_CIDR.test(spec.cidr) || IPV6_CIDR.test(spec.cidr)))) {
    problems.add(`${field} (cidr)`, spec.cidr, 'must be an IPv4 or IPv6 block in CIDR notation, such as 10.20.0.0/16');
  }
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
