/**
 * Restore checks of the standalone target: a Job (or CronJob) per check that restores a backup into a generic
 * ephemeral volume, recovers it, starts PostgreSQL and runs the check query.
 */
import { Size } from 'cdk8s';
import { Cpu, k8s } from 'cdk8s-plus-28';
import { CONFIG_KEYS, StandaloneContext } from './context';
import { cronJobSpec, jobMetadata, jobSelector, jobSpec } from './jobs';
import {
  bashCommand, clusterLabels, containerSecurityContext, env, ivorysqlUserEnv, PGBACKREST_CONFIG_MOUNT, PGBACKREST_TLS_MOUNT, PGBACKREST_TLS_VOLUME,
  pgbackrestConfigVolume, podDefaults, secureEnv, tlsVolume, TMP_MOUNT, tmpVolume,
} from './pod';
import { RESTORE_CHECK_SCRIPT } from './scripts';
import { tlsSecretNames } from './tls';
import { RestoreCheck } from '../../restore-check';
import { kubeObject } from '../kube/kube-object';
import { renderResources } from '../kube/resources';
import { volumeClaimSpec } from '../kube/volume-claim';
import { ClusterModel, pgDataDir } from '../model/cluster-model';
import { LABEL } from '../model/naming';
import { confDirSources, secureBindings, SOCKET_DIR } from '../pgbackrest/config';
import { targetActionArgs } from '../pgbackrest/layout';
import { DATA_MOUNT } from '../postgres/layout';

const RESOURCES = { cpu: { request: Cpu.millis(500), limit: Cpu.units(2) }, memory: { request: Size.mebibytes(512), limit: Size.gibibytes(2) } };

/** Labels of restore check pods: backup Job pods that may also reach the repo host. */
export function restoreCheckSelector(model: ClusterModel): { [key: string]: string } {
  return { ...jobSelector(model), [LABEL.pgbackrestRestoreCheck]: '' };
}

/** Each check renders into its own construct. */
export function renderRestoreChecks(ctx: StandaloneContext): void {
  for (const check of ctx.model.restoreChecks) renderRestoreCheck(ctx, check);
}

function renderRestoreCheck(ctx: StandaloneContext, check: RestoreCheck): void {
  const { model } = ctx;
  const repo = model.repos.find(r => r.name === check.repoName)!;
  const set = model.instances[0];
  const size = check.volumeSize ?? set.dataVolumeSize;
  const args = [...check.target.toArguments(), ...targetActionArgs(check.target.targetType)];
  const labels = { ...restoreCheckSelector(model), [LABEL.pgbackrestRepo]: repo.name };
  const template: k8s.PodTemplateSpec = {
    metadata: { labels, annotations: { ...model.annotations } },
    spec: {
      ...podDefaults(model, model.names.instanceServiceAccount),
      restartPolicy: 'Never',
      containers: [{
        name: 'restore-check',
        image: model.image,
        imagePullPolicy: 'IfNotPresent',
        ...bashCommand(RESTORE_CHECK_SCRIPT, 'restore-check', args),
        env: [
          ...env({
            PGDATA: pgDataDir(model),
            PGPORT: String(model.port),
            PGHOST: SOCKET_DIR,
            REPO: String(repo.index),
            CHECK_QUERY: check.query,
            CHECK_DATABASE: check.database,
          }),
          ...ivorysqlUserEnv(),
          ...secureEnv(secureBindings(model.repos)),
        ],
        securityContext: containerSecurityContext(),
        resources: renderResources(undefined, RESOURCES),
        volumeMounts: [{ name: 'scratch', mountPath: DATA_MOUNT }, PGBACKREST_CONFIG_MOUNT, PGBACKREST_TLS_MOUNT, TMP_MOUNT],
      }],
      volumes: [
        {
          name: 'scratch',
          // A generic ephemeral volume: as large as the data, deleted with the pod.
          ephemeral: {
            volumeClaimTemplate: {
              metadata: { labels: clusterLabels(model, { [LABEL.pgbackrestRestoreCheck]: '' }) },
              spec: volumeClaimSpec(size, set.storageClassName),
            },
          },
        },
        pgbackrestConfigVolume(model.names.pgbackrestConfig, [{ key: CONFIG_KEYS.instance, path: CONFIG_KEYS.instance }],
          confDirSources(model.repos, ctx.externalSecret)),
        tlsVolume(PGBACKREST_TLS_VOLUME, tlsSecretNames(model).pgbackrest),
        tmpVolume(),
      ],
    },
  };
  const spec = jobSpec(ctx, template, 0);
  const metadata = jobMetadata(model, model.names.restoreCheck(check.checkId), { [LABEL.pgbackrestRestoreCheck]: '' });
  if (check.schedule !== undefined) {
    kubeObject(k8s.KubeCronJob, check, 'Resource', { metadata, spec: cronJobSpec(model, check.schedule, undefined, labels, spec) });
  } else {
    kubeObject(k8s.KubeJob, check, 'Resource', { metadata, spec });
  }
}
