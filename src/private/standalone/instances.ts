/**
 * Database instances of the standalone target: one StatefulSet per instance set running IvorySQL with WAL archived
 * to every repo, pgBackRest's TLS server beside it, Services and PodDisruptionBudgets.
 */
import { Size } from 'cdk8s';
import { k8s, Cpu } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { CONFIG_KEYS, SERVER_CONF_FILE, StandaloneContext } from './context';
import { databaseContainer, INSTANCE_GRACE_SECONDS, pgbackrestServerContainer, shmVolume } from './database';
import { EXPORTER_CONFIG_MOUNT, exporterContainer, exporterVolume, monitoringSetupEnv } from './exporter';
import {
  bashCommand, clusterLabels, containerSecurityContext, env, fieldEnv, ivorysqlUserEnv, pgbackrestConfigVolume, PGBACKREST_CONFIG_MOUNT,
  PGBACKREST_TLS_MOUNT, PGBACKREST_TLS_VOLUME, podDefaults, secureEnv, TMP_MOUNT, tmpVolume, tlsVolume,
} from './pod';
import { BOOTSTRAP_SCRIPT } from './scripts';
import { tlsSecretNames } from './tls';
import { usersContainers, usersVolumes } from './users';
import { RecoveryTargetType } from '../../recovery-target';
import { RepoStorage } from '../../repo-credentials';
import { kubeObject } from '../kube/kube-object';
import { quantity, renderResources } from '../kube/resources';
import { volumeClaimSpec } from '../kube/volume-claim';
import { ClusterModel, pgDataDir, pgWalDir, primaryPod, ResolvedInstanceSet } from '../model/cluster-model';
import { DATABASE_RESOURCES } from '../model/defaults';
import { ANNOTATION, LABEL, MANAGED_BY } from '../model/naming';
import { restoreSource } from '../model/restore-source';
import {
  confDirSources, RESTORE_CONF_DIR, RESTORE_CONF_FILE, RESTORE_CONF_PATH, RESTORE_INCLUDE_DIR, RESTORE_INCLUDE_PATH, RESTORE_TLS_DIR, secureBindings,
  SOCKET_DIR, TLS_SERVER_PORT,
} from '../pgbackrest/config';
import { repoIndex, targetActionArgs } from '../pgbackrest/layout';
import { POSTGRES_CONFIG_DIR, POSTGRES_TLS_DIR, REPLICATION_TLS_DIR, replicationConnInfo } from '../postgres/config';
import { initdbModeOption } from '../postgres/engine';
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
  kubeObject(k8s.KubeService, scope, 'PrimaryService', {
    metadata: { name: model.names.primaryService, namespace: model.namespace, labels: clusterLabels(model, MANAGED_BY) },
    spec: {
      // The standalone primary is always the first pod of the first instance set.
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
    { name: 'postgres-config', mountPath: POSTGRES_CONFIG_DIR, readOnly: true },
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
    { name: 'postgres-config', configMap: { name: model.names.postgresConfig } },
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

  const firstRepo = model.repos[0];
  const standbyRepo = model.standby?.repoName ? repoIndex(model.standby.repoName) : firstRepo.index;
  const inPlace = model.inPlaceRestore;
  const bootstrapArgs: string[] = [];
  let bootstrap = 'initdb';
  let restoreConfigArgs: string | undefined;
  if (model.standby) {
    bootstrap = 'standby';
  } else if (source && model.restoreFrom) {
    bootstrap = 'restore';
    const includes = confDirSources([source.repo], ctx.restoreExternalSecret, source.standaloneIndex).length > 0
      ? ` --config-include-path=${RESTORE_INCLUDE_PATH}` : '';
    restoreConfigArgs = `--config=${RESTORE_CONF_PATH}${includes} --stanza=${source.stanza} --repo=${source.standaloneIndex}`;
    bootstrapArgs.push(...restoreArguments(model.restoreFrom.toArguments(), model.restoreFrom.target.targetType));
  } else if (inPlace) {
    bootstrapArgs.push(...restoreArguments(inPlace.toArguments(), inPlace.target.targetType));
  }
  if (walDir) bootstrapArgs.push(`--link-map=pg_wal=${walDir}`);

  const baseEnv = env({ PGDATA: pgdata, PGPORT: String(model.port), PGHOST: SOCKET_DIR });
  const bootstrapContainer: k8s.Container = {
    name: 'bootstrap',
    image: model.image,
    imagePullPolicy: 'IfNotPresent',
    ...bashCommand(BOOTSTRAP_SCRIPT, 'bootstrap', bootstrapArgs),
    env: [
      ...baseEnv,
      fieldEnv('POD_NAME', 'metadata.name'),
      ...env({
        IS_PRIMARY_SET: primarySet ? 'y' : 'n',
        BOOTSTRAP: bootstrap,
        POSTGRES_CONFIG: `${POSTGRES_CONFIG_DIR}/postgresql.conf`,
        SOCKET_DIR,
        STANDBY_REPO: String(standbyRepo),
        BACKUP_WAIT_SECONDS: '3600',
        PRIMARY_CONNINFO: replicationConnInfo(model.names.serviceFqdn(model.names.primaryService), model.port),
        LEADER_CONNINFO: model.standby?.host ? replicationConnInfo(model.standby.host, model.standby.port ?? 5432) : undefined,
        RESTORE_ID: inPlace?.restoreId,
        RESTORE_REPO: inPlace?.repoName ? String(repoIndex(inPlace.repoName)) : undefined,
        RESTORE_CONFIG_ARGS: restoreConfigArgs,
        WAL_LINK_MAP: walDir ? `--link-map=pg_wal=${walDir}` : '',
        INITDB_OVER_EXISTING_STANZA: model.initdbOverExistingStanza ? 'y' : undefined,
        INITDB_OPTIONS: [initdbModeOption(model.databaseMode), ...(walDir ? [`--waldir=${walDir}`] : [])].join(' '),
        ...monitoringSetupEnv(model),
      }),
      ...ivorysqlUserEnv(),
      ...envSecure,
    ],
    securityContext: containerSecurityContext(),
    resources: renderResources(set.resources, DATABASE_RESOURCES),
    // The exporter's set-up SQL, which this container runs on the primary.
    volumeMounts: [...dataMounts, ...configMounts, ...(model.monitoring.exporter ? [EXPORTER_CONFIG_MOUNT] : [])],
  };

  const database = databaseContainer({
    image: model.image,
    port: model.port,
    args: ['-D', pgdata, '-c', `config_file=${POSTGRES_CONFIG_DIR}/postgresql.conf`, '-c', 'cluster_name=$(POD_NAME)'],
    env: [...baseEnv, fieldEnv('POD_NAME', 'metadata.name'), ...ivorysqlUserEnv(), ...envSecure],
    resources: renderResources(set.resources, DATABASE_RESOURCES),
    volumeMounts: [...dataMounts, ...configMounts],
  });

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
          labels: { ...labels, ...podLabels(model) },
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
          initContainers: [bootstrapContainer],
          containers: [database, pgbackrestServer, ...(model.monitoring.exporter ? [exporterContainer(model)] : []), ...usersContainers(model)],
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

/** A restore that stops early promotes at its target; the main container then starts a normal primary. */
function restoreArguments(args: string[], targetType: RecoveryTargetType): string[] {
  return [...args, ...targetActionArgs(targetType)];
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
