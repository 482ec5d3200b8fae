/**
 * The standalone target: everything IVYO would create, rendered here, so a cluster with pgBackRest backups runs
 * with no operator. Names and labels follow IVYO's.
 */
import { k8s } from 'cdk8s-plus-28';
import { Construct, IConstruct } from 'constructs';
import { CONFIG_KEYS, StandaloneContext } from './context';
import { renderExporterConfig } from './exporter';
import { renderInstances } from './instances';
import { renderBackupJobs } from './jobs';
import { renderNetworkPolicies } from './network';
import { renderPatroniConfig } from './patroni';
import { clusterLabels } from './pod';
import { renderRepoHost } from './repo-host';
import { renderRestoreChecks } from './restore-checks';
import { checkSwitchoverTarget, renderSwitchoverJob } from './switchover';
import { pgbackrestCommonName, renderTls } from './tls';
import { renderUsers } from './users';
import { RepoStorage } from '../../repo-credentials';
import { RestoreKind } from '../../restore';
import { renderExternalSecret } from '../kube/external-secret';
import { kubeObject } from '../kube/kube-object';
import { ClusterModel, hasVolumeRepo, instancePods, pgDataDir } from '../model/cluster-model';
import { LABEL, MANAGED_BY, shortHash } from '../model/naming';
import { restoreSource, sourceIndexConflict } from '../model/restore-source';
import {
  ConfigRole, repoOptions, RESTORE_INCLUDE_PATH, RESTORE_TLS_DIR, roleConfig, secureBindings,
  serverConfig, SOCKET_DIR,
} from '../pgbackrest/config';
import { renderIni } from '../pgbackrest/ini';
import { INSTANCE_LOG_DIR } from '../pgbackrest/layout';
import { postgresConfig, pgHbaConf, pgIdentConf } from '../postgres/config';
import { Problems } from '../validation';


/**
 * Renders the cluster's objects into `scope`; what the cluster's added constructs declare (a manual backup, backup
 * deletions, restore checks) into those constructs, and the network policies, which must see every pod the others
 * make, into the scope `networkScope` makes last.
 */
export function renderStandaloneTarget(cluster: IConstruct, scope: Construct, model: ClusterModel, networkScope: () => Construct): void {
  validateStandalone(cluster, model);
  const ownExternal = renderExternalSecret(scope, model, secureBindings(model.repos), model.names.pgbackrestSecrets);
  const source = restoreSource(model);
  let restoreExternalSecret: string | undefined;
  if (source) {
    const sourceScope = new Construct(scope, 'RestoreSource');
    restoreExternalSecret = renderExternalSecret(sourceScope, model, secureBindings([source.repo], source.standaloneIndex),
      model.names.restoreSecrets);
  }
  const pgbackrest = renderConfigMaps(scope, model);
  const patroni = model.highAvailability.enabled ? renderPatroniConfig(scope, model) : {};
  const exporter = renderExporterConfig(scope, model);
  // What each pod reads from the ConfigMaps: the instances their pgBackRest conf files, PostgreSQL's and the
  // exporter's; the repo host its conf files.
  const conf = pgbackrest.pgbackrest;
  const pick = (keys: string[]) => Object.fromEntries(keys.filter(key => key in conf).map(key => [key, conf[key]]));
  const configHash = {
    instances: shortHash(JSON.stringify([
      pick([CONFIG_KEYS.instance, CONFIG_KEYS.server, CONFIG_KEYS.restore]), pgbackrest.postgres, exporter ?? {}, patroni,
    ]), 16),
    repoHost: shortHash(JSON.stringify([pick([CONFIG_KEYS.repoHost, CONFIG_KEYS.server])]), 16),
  };
  const ctx: StandaloneContext = { model, externalSecret: ownExternal, restoreExternalSecret, configHash };

  renderServiceAccounts(scope, model);
  renderTls(scope, model);
  renderUsers(scope, model);
  renderInstances(scope, ctx);
  if (hasVolumeRepo(model)) renderRepoHost(scope, ctx);
  renderBackupJobs(scope, ctx);
  renderRestoreChecks(ctx);
  renderSwitchoverJob(scope, ctx);
  renderNetworkPolicies(networkScope(), model);
}

/** Refusals name `cluster`, the construct whose props they are about. */
function validateStandalone(cluster: IConstruct, model: ClusterModel): void {
  const problems = new Problems();
  const restore = model.restoreFrom;
  if (restore?.kind === RestoreKind.FROM_CLUSTER_NAME) {
    problems.addRaw('restoreFrom', 'Restore.fromClusterName works with the operator target only: the standalone target needs the source repo\'s settings; use Restore.fromCluster(sourceCluster) or Restore.fromRepo(repo)');
  }
  const source = restoreSource(model);
  const crossNamespaceVolume = source?.repo.storage === RepoStorage.VOLUME && source.sourceModel?.namespace !== model.namespace;
  if (restore?.kind === RestoreKind.FROM_CLUSTER && crossNamespaceVolume) {
    problems.add('restoreFrom.repoName', source.repo.name,
      `is a volume repo of ${source.sourceModel?.name} in namespace ${source.sourceModel?.namespace}: a clone reads it through that cluster's repo host with its TLS Secret, which only pods of the same namespace can mount; restore from an object-store repo instead`);
  }
  if (restore?.kind === RestoreKind.FROM_CLUSTER && source?.sourceModel && source.sourceModel.target !== model.target) {
    problems.addRaw('restoreFrom.source', 'the source cluster must also use the standalone target');
  }
  if (source) {
    const conflict = sourceIndexConflict(model, source);
    if (conflict) problems.add(restore?.kind === RestoreKind.FROM_REPO ? 'restoreFrom.repo.name' : 'restoreFrom.repoName', source.repo.name, conflict);
  }
  if (model.standby?.host !== undefined && model.standby.repoName === undefined) {
    // The instances of a standalone standby start from a backup (then stream): one the primary wrote, in a repo
    // this cluster reads. Without repoName it would be this cluster's own first repo, where no backup ever lands.
    problems.add('standby.repoName', undefined, 'a standalone streaming standby creates its instances from a backup of the primary: '
      + 'give repoName, a repo of this cluster with the primary repo\'s bucket and path (written out)');
  }
  if (model.inPlaceRestore && !model.highAvailability.enabled && instancePods(model).length > 1) {
    problems.addRaw('inPlaceRestore', 'the standalone target restores in place with one instance, or with highAvailability (Patroni re-creates '
      + 'the replicas): give the cluster highAvailability, or scale it to one instance, restore, then add replicas back (they are recreated from the repo)');
  }
  for (const r of model.repos) {
    if (r.storage === RepoStorage.VOLUME && r.repo._storage.accessMode === 'ReadWriteOncePod') {
      problems.add(`${r.field}.accessMode`, 'ReadWriteOncePod',
        'the repo host and the backup Jobs both mount a volume repo; use ReadWriteOnce (Jobs run on the repo host\'s node) or ReadWriteMany');
    }
  }
  checkSwitchoverTarget(model, problems);
  problems.throwIfAny(cluster);
}

/** Renders the pgBackRest and PostgreSQL ConfigMaps; returns their data. */
function renderConfigMaps(scope: Construct, model: ClusterModel): { pgbackrest: { [key: string]: string }; postgres: { [key: string]: string } } {
  const data: { [key: string]: string } = {
    [CONFIG_KEYS.instance]: renderIni(roleConfig(model, ConfigRole.INSTANCE), scope.node.path),
    [CONFIG_KEYS.job]: renderIni(roleConfig(model, ConfigRole.JOB), scope.node.path),
    [CONFIG_KEYS.server]: renderIni(serverConfig(pgbackrestCommonName(model)), scope.node.path),
  };
  if (hasVolumeRepo(model)) data[CONFIG_KEYS.repoHost] = renderIni(roleConfig(model, ConfigRole.REPO_HOST), scope.node.path);
  const source = restoreSource(model);
  if (source) {
    data[CONFIG_KEYS.restore] = renderIni({
      'global': {
        // A volume repo is read through its own cluster's repo host, with that cluster's client certificate.
        ...repoOptions(source.sourceModel ?? model, source.repo, ConfigRole.INSTANCE,
          { index: source.standaloneIndex, confDir: RESTORE_INCLUDE_PATH, tlsDir: RESTORE_TLS_DIR, readOnly: true }),
        'log-path': INSTANCE_LOG_DIR,
      },
      'global:restore': { 'log-level-console': 'info' },
      [source.stanza]: { 'pg1-path': pgDataDir(model), 'pg1-port': String(model.port), 'pg1-socket-path': SOCKET_DIR },
    }, scope.node.path);
  }
  kubeObject(k8s.KubeConfigMap, scope, 'PgBackRestConfig', {
    metadata: {
      name: model.names.pgbackrestConfig,
      namespace: model.namespace,
      labels: clusterLabels(model, { [LABEL.pgbackrest]: '', [LABEL.pgbackrestConfig]: '', ...MANAGED_BY }),
    },
    data,
  });
  // Under Patroni, PostgreSQL's settings live in Patroni's configuration (renderPatroniConfig) instead.
  if (model.highAvailability.enabled) return { pgbackrest: data, postgres: {} };
  const postgres = { 'postgresql.conf': postgresConfig(model), 'pg_hba.conf': pgHbaConf(model), 'pg_ident.conf': pgIdentConf(model) };
  kubeObject(k8s.KubeConfigMap, scope, 'PostgresConfig', {
    metadata: { name: model.names.postgresConfig, namespace: model.namespace, labels: clusterLabels(model, MANAGED_BY) },
    data: postgres,
  });
  return { pgbackrest: data, postgres };
}

function renderServiceAccounts(scope: Construct, model: ClusterModel): void {
  // Workload identity annotations go on the accounts of the pods that reach object stores.
  const annotations: { [key: string]: string } = {};
  for (const r of model.repos) Object.assign(annotations, r.repo._storage.credentials?._spec.serviceAccountAnnotations ?? {});
  const source = restoreSource(model);
  Object.assign(annotations, source?.repo.repo._storage.credentials?._spec.serviceAccountAnnotations ?? {});
  for (const [id, name] of [['InstanceServiceAccount', model.names.instanceServiceAccount], ['PgBackRestServiceAccount', model.names.pgbackrestServiceAccount]]) {
    kubeObject(k8s.KubeServiceAccount, scope, id, {
      metadata: {
        name,
        namespace: model.namespace,
        labels: clusterLabels(model, MANAGED_BY),
        ...(Object.keys(annotations).length ? { annotations } : {}),
      },
      automountServiceAccountToken: false,
    });
  }
}
