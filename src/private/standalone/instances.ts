/**
 * Database instances of the standalone target: one StatefulSet per instance set running IvorySQL with WAL archived
 * to every repo, pgBackRest's TLS server beside it, Services and PodDisruptionBudgets.
 */
import { Size } from 'cdk8s';
import { k8s, Cpu } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { CONFIG_KEYS, SERVER_CONF_FILE, StandaloneContext } from './context';
import { databaseContainer, INSTANCE_GRACE_SECONDS, patroniContainer, pgbackrestServerContainer, shmVolume } from './database';
import { EXPORTER_CONFIG_MOUNT, exporterContainer, exporterVolume, monitoringSetupEnv } from './exporter';
import { renderPatroniObjects } from './patroni';
import {
  bashCommand, clusterLabels, containerSecurityContext, env, fieldEnv, ivorysqlUserEnv, pgbackrestConfigVolume, PGBACKREST_CONFIG_MOUNT,
  PGBACKREST_TLS_MOUNT, PGBACKREST_TLS_VOLUME, podDefaults, secureEnv, TMP_MOUNT, tmpVolume, tlsVolume,
} from './pod';
import { BOOTSTRAP_SCRIPT, PREPARE_SCRIPT } from './scripts';
import { tlsSecretNames } from './tls';
import { usersContainers, usersVolumes } from './users';
import { RepoStorage } from '../../repo-credentials';
import { kubeObject } from '../kube/kube-object';
import { quantity, renderResources } from '../kube/resources';
import { volumeClaimSpec } from '../kube/volume-claim';
import { ClusterModel, pgDataDir, pgWalDir, primaryPod, replicaRepo, ResolvedInstanceSet } from '../model/cluster-model';
import { DATABASE_RESOURCES } from '../model/defaults';
import { ANNOTATION, LABEL, MANAGED_BY } from '../model/naming';
import { restoreSource } from '../model/restore-source';
import {
  PATRONI_DIR, PATRONI_FILES, patroniEnv, patroniPodLabels, patroniScope, replicaInfoArgs, replicaRestoreArgs, setFileKey,
} from '../patroni/config';
import {
  confDirSources, RESTORE_CONF_DIR, RESTORE_CONF_FILE, RESTORE_CONF_PATH, RESTORE_INCLUDE_DIR, RESTORE_INCLUDE_PATH, RESTORE_TLS_DIR, secureBindings,
  SOCKET_DIR, TLS_SERVER_PORT,
} from '../pgbackrest/config';
import { promotingRestoreArgs, repoIndex, walLinkMapArgs } from '../pgbackrest/layout';
import { archiveCommand, POSTGRES_CONFIG_DIR, POSTGRES_TLS_DIR, REPLICATION_TLS_DIR, replicationConnInfo } from '../postgres/config';
import { initdbOptions } from '../postgres/engine';
import { DATA_MOUNT, WAL_MOUNT } from '../postgres/layout';

/** Labels selecting every instance pod of the cluster. */
export function instanceSelector(model: ClusterModel): { [key: string]: string } {
  return { [LABEL.cluster]: model.name, [LABEL.data]: 'ivory' };
}

export function renderInstances(scope: Construct, ctx: StandaloneContext): void {
  const { model } = ctx;
  model.instances.forEach((set, i) => renderInstanceSet(scope, ctx, set, i === 0));

  kubeObject(k8s.KubeService, scope, 'PodsService', {
    metadata: { name: model.names.podsService, namespace: model.namespace, labels: clusterLabels(model, MANAGED_BY) },
    spec: {
      clusterIp: 'None',
      // Pods need their DNS names before they are ready: bootstrap and backups address them directly.
      publishNotReadyAddresses: true,
      selector: { [LABEL.cluster]: model.name },
      ports: [
        { name: 'postgres', port: model.port, targetPort: k8s.IntOrString.fromString('postgres') },
        { name: 'pgbackrest', port: TLS_SERVER_PORT, targetPort: k8s.IntOrString.fromString('pgbackrest') },
      ],
    },
  });
  if (model.highAvailability.enabled) {
    renderPatroniObjects(scope, model);
    return;
  }
  kubeObject(k8s.KubeService, scope, 'PrimaryService', {
    metadata: { name: model.names.primaryService, namespace: model.namespace, labels: clusterLabels(model, MANAGED_BY) },
    spec: {
      // Without Patroni the primary is always the first pod of the first instance set.
      selector: { 'statefulset.kubernetes.io/pod-name': primaryPod(model), [LABEL.cluster]: model.name },
      ports: [{ name: 'postgres', port: model.port, targetPort: k8s.IntOrString.fromString('postgres') }],
    },
  });
}

function renderInstanceSet(scope: Construct, ctx: StandaloneContext, set: ResolvedInstanceSet, primarySet: boolean): void {
  const { model } = ctx;
  const labels = clusterLabels(model, { ...instanceSelector(model), [LABEL.instanceSet]: set.name });
  const selector = { [LABEL.cluster]: model.name, [LABEL.instanceSet]: set.name };
  const tls = tlsSecretNames(model);
  const source = restoreSource(model);
  const ownBindings = secureBindings(model.repos);
  const sourceBindings = source ? secureBindings([source.repo], source.standaloneIndex) : [];
  const envSecure = [...secureEnv(ownBindings), ...secureEnv(sourceBindings)];
  const pgdata = pgDataDir(model);
  const walDir = set.walVolumeSize ? pgWalDir(model, set) : undefined;

  const dataMounts: k8s.VolumeMount[] = [{ name: 'ivory-data', mountPath: DATA_MOUNT }];
  if (set.walVolumeSize) dataMounts.push({ name: 'ivory-wal', mountPath: WAL_MOUNT });
  const configMounts: k8s.VolumeMount[] = [
    PGBACKREST_CONFIG_MOUNT,
    PGBACKREST_TLS_MOUNT,
    ...(model.highAvailability.enabled ? [] : [{ name: 'postgres-config', mountPath: POSTGRES_CONFIG_DIR, readOnly: true }]),
    { name: 'postgres-tls', mountPath: POSTGRES_TLS_DIR, readOnly: true },
    { name: 'replication-tls', mountPath: REPLICATION_TLS_DIR, readOnly: true },
    TMP_MOUNT,
  ];
  const sourceRepoHost = source?.repo.storage === RepoStorage.VOLUME ? source.sourceModel : undefined;
  if (source) configMounts.push({ name: 'pgbackrest-restore', mountPath: RESTORE_CONF_DIR, readOnly: true });
  if (sourceRepoHost) configMounts.push({ name: 'pgbackrest-restore-tls', mountPath: RESTORE_TLS_DIR, readOnly: true });

  const volumes: k8s.Volume[] = [
    pgbackrestConfigVolume(model.names.pgbackrestConfig, [
      { key: CONFIG_KEYS.instance, path: CONFIG_KEYS.instance },
      { key: CONFIG_KEYS.server, path: SERVER_CONF_FILE },
    ], confDirSources(model.repos, ctx.externalSecret)),
    tlsVolume(PGBACKREST_TLS_VOLUME, tls.pgbackrest),
    tlsVolume('postgres-tls', tls.postgres),
    tlsVolume('replication-tls', tls.replication),
    tmpVolume(),
    shmVolume(k8s.Quantity.fromString(quantity(set.sharedMemorySize.toKibibytes()))),
  ];
  if (model.monitoring.exporter) volumes.push(exporterVolume(model));
  volumes.push(...usersVolumes(model));
  if (source) {
    const sourceFiles = confDirSources([source.repo], ctx.restoreExternalSecret, source.standaloneIndex)
      .map(s => ({ ...s, items: s.items?.map(it => ({ ...it, path: `${RESTORE_INCLUDE_DIR}/${it.path}` })) }));
    volumes.push(pgbackrestConfigVolume(model.names.pgbackrestConfig, [{ key: CONFIG_KEYS.restore, path: RESTORE_CONF_FILE }],
      sourceFiles, 'pgbackrest-restore'));
    if (sourceRepoHost) volumes.push(tlsVolume('pgbackrest-restore-tls', tlsSecretNames(sourceRepoHost).pgbackrest));
  }

  const inPlace = model.inPlaceRestore;
  const bootstrapArgs: string[] = [];
  let restoreConfigArgs: string | undefined;
  // A standby's instances restore its primary's backup as standbys instead (BOOTSTRAP_SCRIPT's standby branch).
  if (!model.standby && source && model.restoreFrom) {
    const includes = confDirSources([source.repo], ctx.restoreExternalSecret, source.standaloneIndex).length > 0
      ? ` --config-include-path=${RESTORE_INCLUDE_PATH}` : '';
    restoreConfigArgs = `--config=${RESTORE_CONF_PATH}${includes} --stanza=${source.stanza} --repo=${source.standaloneIndex}`;
    bootstrapArgs.push(...promotingRestoreArgs(model.restoreFrom));
  } else if (!model.standby && inPlace) {
    bootstrapArgs.push(...promotingRestoreArgs(inPlace));
  }
  bootstrapArgs.push(...walLinkMapArgs(walDir));

  const baseEnv = env({ PGDATA: pgdata, PGPORT: String(model.port), PGHOST: SOCKET_DIR });
  const inputs: RuntimeInputs = { baseEnv, secureEnv: envSecure, dataMounts, configMounts, restoreConfigArgs };
  const runtime = model.highAvailability.enabled
    ? patroniRuntime(ctx, set, inputs)
    : postgresRuntime(ctx, set, primarySet, inputs, bootstrapArgs);
  volumes.push(...runtime.volumes);

  const pgbackrestServer = pgbackrestServerContainer({
    image: model.pgbackrestImage,
    env: [...baseEnv, ...envSecure],
    resources: renderResources(undefined, SIDECAR_RESOURCES),
    volumeMounts: [...dataMounts, PGBACKREST_CONFIG_MOUNT, PGBACKREST_TLS_MOUNT, TMP_MOUNT],
    readiness: false,
  });

  const claims: k8s.KubePersistentVolumeClaimProps[] = [volumeClaim('ivory-data', set.dataVolumeSize, set.storageClassName)];
  if (set.walVolumeSize) claims.push(volumeClaim('ivory-wal', set.walVolumeSize, set.walStorageClassName));

  kubeObject(k8s.KubeStatefulSet, scope, `StatefulSet-${set.name}`, {
    metadata: { name: set.statefulSet, namespace: model.namespace, labels: clusterLabels(model, { [LABEL.instanceSet]: set.name, ...MANAGED_BY }) },
    spec: {
      serviceName: model.names.podsService,
      replicas: set.replicas,
      // Replicas need the primary; the primary does not need them.
      podManagementPolicy: 'OrderedReady',
      selector: { matchLabels: selector },
      persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
      template: {
        metadata: {
          labels: { ...labels, ...podLabels(model), ...runtime.labels },
          annotations: {
            ...model.annotations,
            [ANNOTATION.podConfigHash]: ctx.configHash.instances,
            ...(inPlace ? { [`${LABEL.pgbackrestRestore}-id`]: inPlace.restoreId as string } : {}),
          },
        },
        spec: {
          ...podDefaults(model, model.names.instanceServiceAccount),
          // The postmaster is the database container's command. As PID 1 of a namespace of its own it would inherit
          // every orphan, such as pgBackRest's detached asynchronous archive-push worker, and take the exit of one
          // it did not start for a crash ("untracked child process"), restarting every backend. Sharing the pod's
          // namespace makes the pause container PID 1, which reaps them.
          shareProcessNamespace: true,
          initContainers: [runtime.init],
          containers: [
            runtime.database, pgbackrestServer, ...(model.monitoring.exporter ? [exporterContainer(model)] : []), ...usersContainers(model),
          ],
          volumes,
          terminationGracePeriodSeconds: INSTANCE_GRACE_SECONDS,
          // Counting every instance of the cluster, so that one node or zone does not hold every copy.
          ...(set.spread.length ? {
            topologySpreadConstraints: set.spread.map(c => ({
              topologyKey: c.topologyKey,
              maxSkew: c.maxSkew as number,
              whenUnsatisfiable: c.rule as string,
              labelSelector: { matchLabels: instanceSelector(model) },
            })),
          } : {}),
        },
      },
      volumeClaimTemplates: claims.map(c => ({ metadata: c.metadata, spec: c.spec })),
    },
  });

  kubeObject(k8s.KubePodDisruptionBudget, scope, `PodDisruptionBudget-${set.name}`, {
    metadata: { name: set.statefulSet, namespace: model.namespace, labels: clusterLabels(model, MANAGED_BY) },
    spec: {
      // A drain never takes the set's last healthy member; a member that is not ready may always be evicted, so a
      // broken pod does not block a drain either.
      minAvailable: k8s.IntOrString.fromNumber(1),
      unhealthyPodEvictionPolicy: 'AlwaysAllow',
      selector: { matchLabels: selector },
    },
  });
}

interface RuntimeInputs {
  readonly baseEnv: k8s.EnvVar[];
  readonly secureEnv: k8s.EnvVar[];
  readonly dataMounts: k8s.VolumeMount[];
  readonly configMounts: k8s.VolumeMount[];
  readonly restoreConfigArgs?: string;
}

/** What runs PostgreSQL in an instance pod: its init container, the database container, their volumes and labels. */
interface InstanceRuntime {
  readonly init: k8s.Container;
  readonly database: k8s.Container;
  readonly volumes: k8s.Volume[];
  readonly labels: { [key: string]: string };
}

/**
 * PostgreSQL without Patroni: the `bootstrap` init container prepares the data directory (BOOTSTRAP_SCRIPT, with the
 * restore's arguments), and the database container runs the postmaster with the ConfigMap's postgresql.conf. The first
 * pod of the first set is the primary.
 */
function postgresRuntime(ctx: StandaloneContext, set: ResolvedInstanceSet, primarySet: boolean, inputs: RuntimeInputs,
  bootstrapArgs: string[]): InstanceRuntime {
  const { model } = ctx;
  const walDir = set.walVolumeSize ? pgWalDir(model, set) : undefined;
  const inPlace = model.inPlaceRestore;
  const bootstrap = model.standby ? 'standby' : inputs.restoreConfigArgs ? 'restore' : 'initdb';
  const init: k8s.Container = {
    name: 'bootstrap',
    image: model.image,
    imagePullPolicy: 'IfNotPresent',
    ...bashCommand(BOOTSTRAP_SCRIPT, 'bootstrap', bootstrapArgs),
    env: [
      ...inputs.baseEnv,
      fieldEnv('POD_NAME', 'metadata.name'),
      ...env({
        IS_PRIMARY_SET: primarySet ? 'y' : 'n',
        BOOTSTRAP: bootstrap,
        POSTGRES_CONFIG: `${POSTGRES_CONFIG_DIR}/postgresql.conf`,
        SOCKET_DIR,
        STANDBY_REPO: String(replicaRepo(model)),
        BACKUP_WAIT_SECONDS: '3600',
        PRIMARY_CONNINFO: replicationConnInfo(model.names.serviceFqdn(model.names.primaryService), model.port),
        LEADER_CONNINFO: model.standby?.host ? replicationConnInfo(model.standby.host, model.standby.port ?? 5432) : undefined,
        RESTORE_ID: inPlace?.restoreId,
        RESTORE_REPO: inPlace?.repoName ? String(repoIndex(inPlace.repoName)) : undefined,
        RESTORE_CONFIG_ARGS: inputs.restoreConfigArgs,
        WAL_LINK_MAP: walLinkMapArgs(walDir).join(' '),
        INITDB_OVER_EXISTING_STANZA: model.initdbOverExistingStanza ? 'y' : undefined,
        INITDB_OPTIONS: initdbOptions(model.databaseMode, walDir),
        ...monitoringSetupEnv(model),
      }),
      ...ivorysqlUserEnv(),
      ...inputs.secureEnv,
    ],
    securityContext: containerSecurityContext(),
    resources: renderResources(set.resources, DATABASE_RESOURCES),
    // The exporter's set-up SQL, which this container runs on the primary.
    volumeMounts: [...inputs.dataMounts, ...inputs.configMounts, ...(model.monitoring.exporter ? [EXPORTER_CONFIG_MOUNT] : [])],
  };

  const database = databaseContainer({
    image: model.image,
    port: model.port,
    args: ['-D', pgDataDir(model), '-c', `config_file=${POSTGRES_CONFIG_DIR}/postgresql.conf`, '-c', 'cluster_name=$(POD_NAME)'],
    env: [...inputs.baseEnv, fieldEnv('POD_NAME', 'metadata.name'), ...ivorysqlUserEnv(), ...inputs.secureEnv],
    resources: renderResources(set.resources, DATABASE_RESOURCES),
    volumeMounts: [...inputs.dataMounts, ...inputs.configMounts],
  });
  return { init, database, volumes: [{ name: 'postgres-config', configMap: { name: model.names.postgresConfig } }], labels: {} };
}

/** Where a token is mounted for the container that talks to the API, as the kubelet would mount it. */
const TOKEN_MOUNT = '/var/run/secrets/kubernetes.io/serviceaccount';
/** About an hour, as the kubelet's own projected tokens; Patroni re-reads the file every minute. */
const TOKEN_SECONDS = 3607;

/**
 * Patroni's runtime: a `prepare` init container, Patroni in the database container with its configuration at
 * PATRONI_DIR (this set's file as `20-set.yaml`), and the service account token mounted in that container only: it is
 * the one process of the cluster that talks to the Kubernetes API, for its leader election (INSTANCE_RULES).
 */
function patroniRuntime(ctx: StandaloneContext, set: ResolvedInstanceSet, inputs: RuntimeInputs): InstanceRuntime {
  const { model } = ctx;
  const inPlace = model.inPlaceRestore;
  const walDir = set.walVolumeSize ? pgWalDir(model, set) : undefined;
  const configItems = [PATRONI_FILES.cluster, PATRONI_FILES.dcs, PATRONI_FILES.dynamic, PATRONI_FILES.bootstrap, PATRONI_FILES.replica,
    PATRONI_FILES.callback].map(key => ({ key, path: key }));
  configItems.push({ key: setFileKey(set), path: PATRONI_FILES.set });
  const volumes: k8s.Volume[] = [
    { name: 'patroni-config', configMap: { name: model.names.patroniConfig, items: configItems } },
    {
      name: 'service-account-token',
      projected: {
        sources: [
          { serviceAccountToken: { path: 'token', expirationSeconds: TOKEN_SECONDS } },
          { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
          { downwardApi: { items: [{ path: 'namespace', fieldRef: { fieldPath: 'metadata.namespace' } }] } },
        ],
      },
    },
  ];
  const init: k8s.Container = {
    name: 'prepare',
    image: model.image,
    imagePullPolicy: 'IfNotPresent',
    ...bashCommand(PREPARE_SCRIPT, 'prepare'),
    env: [
      ...inputs.baseEnv,
      // Which Patroni cluster the data must belong to, and the cluster's first (PREPARE_SCRIPT, in-place restores).
      ...env({ HA_SCOPE: patroniScope(model), HA_BASE_SCOPE: model.names.haService(), RESTORE_ID: inPlace?.restoreId }),
      ...ivorysqlUserEnv(),
    ],
    securityContext: containerSecurityContext(),
    resources: renderResources(set.resources, DATABASE_RESOURCES),
    volumeMounts: [...inputs.dataMounts, TMP_MOUNT],
  };
  const database = patroniContainer({
    image: model.image,
    port: model.port,
    env: [
      ...inputs.baseEnv,
      ...patroniEnv(model),
      ...env({
        // The custom bootstrap (PATRONI_BOOTSTRAP_SCRIPT) and replica creation (CREATE_REPLICA_SCRIPT) Patroni runs.
        RESTORE_CONFIG_ARGS: inputs.restoreConfigArgs,
        WAL_LINK_MAP: walLinkMapArgs(walDir).join(' '),
        INITDB_OVER_EXISTING_STANZA: model.initdbOverExistingStanza ? 'y' : undefined,
        INITDB_OPTIONS: initdbOptions(model.databaseMode, walDir),
        ARCHIVE_COMMAND: archiveCommand(),
        REPLICA_INFO_ARGS: replicaInfoArgs(model),
        REPLICA_RESTORE_ARGS: replicaRestoreArgs(model, set),
        // An in-place restore: its id and repo (the bootstrap's delta restore; the set-aside data of the replicas).
        HA_SCOPE: patroniScope(model),
        RESTORE_ID: inPlace?.restoreId,
        RESTORE_REPO: inPlace?.repoName ? String(repoIndex(inPlace.repoName)) : undefined,
        ...monitoringSetupEnv(model),
      }),
      ...ivorysqlUserEnv(),
      ...inputs.secureEnv,
    ],
    resources: renderResources(set.resources, DATABASE_RESOURCES),
    volumeMounts: [
      ...inputs.dataMounts,
      ...inputs.configMounts,
      { name: 'patroni-config', mountPath: PATRONI_DIR, readOnly: true },
      { name: 'service-account-token', mountPath: TOKEN_MOUNT, readOnly: true },
      ...(model.monitoring.exporter ? [EXPORTER_CONFIG_MOUNT] : []),
    ],
    leaseSeconds: model.highAvailability.leaseSeconds,
    loopSeconds: model.highAvailability.loopSeconds,
  });
  return { init, database, volumes, labels: patroniPodLabels(model) };
}

/** Labels the pods need for workload identity (Azure). */
function podLabels(model: ClusterModel): { [key: string]: string } {
  const labels: { [key: string]: string } = {};
  for (const r of model.repos) Object.assign(labels, r.repo._storage.credentials?._spec.podLabels ?? {});
  return labels;
}

function volumeClaim(name: string, size: Size, storageClassName?: string): k8s.KubePersistentVolumeClaimProps {
  return { metadata: { name }, spec: volumeClaimSpec(size, storageClassName) };
}

const SIDECAR_RESOURCES = { cpu: { request: Cpu.millis(100) }, memory: { request: Size.mebibytes(64), limit: Size.mebibytes(512) } };
