/**
 * Backup Jobs of the standalone target: stanza-create, one CronJob per repo and backup type, a manual backup and
 * backup deletions. Every Job runs pgBackRest itself (no `pods/exec`): repos are local to it (a mounted volume or
 * an object store) and PostgreSQL is reached through the instances' pgBackRest TLS servers.
 */
import { Duration, Size } from 'cdk8s';
import { Cpu, k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { CONFIG_KEYS, StandaloneContext } from './context';
import {
  bashCommand, clusterLabels, containerSecurityContext, env, pgbackrestConfigVolume, PGBACKREST_CONFIG_MOUNT,
  PGBACKREST_TLS_MOUNT, PGBACKREST_TLS_VOLUME, podDefaults, secureEnv, TMP_MOUNT, tmpVolume, tlsVolume,
} from './pod';
import { repoHostSelector, repoVolume } from './repo-host';
import { BACKUP_SCRIPT, EXPIRE_OLDEST_SCRIPT, EXPIRE_SCRIPT, STANZA_CREATE_SCRIPT } from './scripts';
import { tlsSecretNames } from './tls';
import { kubeObject } from '../kube/kube-object';
import { renderResources } from '../kube/resources';
import { BACKUP_TYPES } from '../model/backup-types';
import { ClusterModel, instancePods, ResolvedRepo, volumeRepos } from '../model/cluster-model';
import { LABEL, MANAGED_BY, shortHash } from '../model/naming';
import { confDirSources, repoOptions, ConfigRole, secureBindings } from '../pgbackrest/config';

export const JOB_RESOURCES = {
  cpu: { request: Cpu.units(1), limit: Cpu.units(2) },
  memory: { request: Size.mebibytes(256), limit: Size.gibibytes(1) },
};

/** Labels of every backup Job pod, which the NetworkPolicies admit to the instances' TLS servers. */
export function jobSelector(model: ClusterModel): { [key: string]: string } {
  return { [LABEL.cluster]: model.name, [LABEL.pgbackrest]: '', [LABEL.pgbackrestJob]: '' };
}

interface JobPodOptions {
  readonly component: string;
  readonly script: string;
  readonly args: string[];
  readonly env: { [name: string]: string | undefined };
  /** The volume repos the Job needs mounted. */
  readonly volumeRepos: ResolvedRepo[];
  readonly labels: { [key: string]: string };
  readonly annotations?: { [key: string]: string };
}

/** The pod template of a backup Job. */
function jobPodTemplate(ctx: StandaloneContext, o: JobPodOptions): k8s.PodTemplateSpec {
  const { model } = ctx;
  const mounts = o.volumeRepos.map(r => repoVolume(model, r));
  // A ReadWriteOnce volume can only be mounted on the node where the repo host runs.
  const needsRepoHostNode = o.volumeRepos.some(r => r.repo._storage.accessMode === 'ReadWriteOnce');
  return {
    metadata: { labels: { ...jobSelector(model), ...o.labels }, annotations: { ...model.annotations, ...o.annotations } },
    spec: {
      ...podDefaults(model, model.names.pgbackrestServiceAccount),
      restartPolicy: 'Never',
      ...(model.jobs.priorityClassName ? { priorityClassName: model.jobs.priorityClassName } : {}),
      ...(needsRepoHostNode ? {
        affinity: {
          podAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: [{
              labelSelector: { matchLabels: repoHostSelector(model) },
              topologyKey: 'kubernetes.io/hostname',
            }],
          },
        },
      } : {}),
      containers: [{
        name: 'pgbackrest',
        image: model.pgbackrestImage,
        imagePullPolicy: 'IfNotPresent',
        ...bashCommand(o.script, o.component, o.args),
        env: [
          ...env({
            LOCK_WAIT_SECONDS: String((model.jobs.lockWait ?? Duration.hours(2)).toSeconds()),
            INSTANCE_PODS: instancePods(model).join(' '),
            ...o.env,
          }),
          ...secureEnv(secureBindings(model.repos)),
        ],
        securityContext: containerSecurityContext(),
        resources: renderResources(model.jobs.resources, JOB_RESOURCES),
        volumeMounts: [...mounts.map(m => m.mount), PGBACKREST_CONFIG_MOUNT, PGBACKREST_TLS_MOUNT, TMP_MOUNT],
      }],
      volumes: [
        ...mounts.map(m => m.volume),
        pgbackrestConfigVolume(model.names.pgbackrestConfig, [{ key: CONFIG_KEYS.job, path: CONFIG_KEYS.job }],
          confDirSources(model.repos, ctx.externalSecret)),
        tlsVolume(PGBACKREST_TLS_VOLUME, tlsSecretNames(model).pgbackrest),
        tmpVolume(),
      ],
    },
  };
}

/** A Job's spec: the cluster's deadlines and TTL around `template`; no TTL for a Job that must stay once finished. */
export function jobSpec(ctx: StandaloneContext, template: k8s.PodTemplateSpec, backoffLimit: number, keepFinished = false): k8s.JobSpec {
  const jobs = ctx.model.jobs;
  return {
    backoffLimit,
    activeDeadlineSeconds: (jobs.activeDeadline ?? Duration.hours(12)).toSeconds(),
    ...(jobs.ttlAfterFinished && !keepFinished ? { ttlSecondsAfterFinished: jobs.ttlAfterFinished.toSeconds() } : {}),
    template,
  };
}

export function jobMetadata(model: ClusterModel, name: string, labels: { [key: string]: string },
  annotations?: { [key: string]: string }): k8s.ObjectMeta {
  return {
    name,
    namespace: model.namespace,
    labels: clusterLabels(model, { [LABEL.pgbackrest]: '', ...labels, ...MANAGED_BY }),
    ...(annotations ? { annotations } : {}),
  };
}

/**
 * A CronJob's spec: never two runs of one CronJob (runs of different CronJobs wait for each other, see the Job's
 * script), suspended in a standby cluster or when its schedule is (`suspended`), with the cluster's deadlines and
 * history limits.
 */
export function cronJobSpec(model: ClusterModel, schedule: string, timeZone: string | undefined,
  jobLabels: { [key: string]: string }, spec: k8s.JobSpec, suspended = false): k8s.CronJobSpec {
  const jobs = model.jobs;
  return {
    schedule,
    ...(timeZone ? { timeZone } : {}),
    concurrencyPolicy: 'Forbid',
    suspend: model.standby !== undefined || suspended,
    startingDeadlineSeconds: (jobs.startingDeadline ?? Duration.minutes(30)).toSeconds(),
    successfulJobsHistoryLimit: jobs.successfulJobsRetained ?? 3,
    failedJobsHistoryLimit: jobs.failedJobsRetained ?? 1,
    jobTemplate: { metadata: { labels: jobLabels }, spec },
  };
}

export function renderBackupJobs(scope: Construct, ctx: StandaloneContext): void {
  const { model } = ctx;
  // A standby cluster's repos belong to the cluster it follows: it creates no stanza and its schedules are suspended.
  if (!model.standby) renderStanzaCreate(scope, ctx);

  for (const r of model.repos) {
    for (const backupType of BACKUP_TYPES) {
      const cron = r.repo.schedule?.cronFor(backupType);
      if (cron === undefined) continue;
      renderCronJob(scope, ctx, r, backupType, cron);
    }
  }
  if (model.manualBackup) renderManualBackup(model.manualBackup, ctx);
  model.backupDeletions.forEach(d => {
    const r = model.repos.find(x => x.name === d.repoName) as ResolvedRepo;
    const name = model.names.expireJob(d.oldest ? `${r.name}-oldest` : (d.backupSet as string).toLowerCase().replace(/_/g, '-'));
    // Each run of expire --oldest deletes another full backup: its finished Job stays (no TTL), so that re-applying
    // the app finds it done rather than creating it again.
    const spec = jobSpec(ctx, jobPodTemplate(ctx, {
      component: 'expire',
      script: d.oldest ? EXPIRE_OLDEST_SCRIPT : EXPIRE_SCRIPT,
      args: [],
      env: d.oldest ? { REPO: String(r.index) } : { REPO: String(r.index), BACKUP_SET: d.backupSet, FORCE: d.force ? 'y' : 'n' },
      volumeRepos: volumeRepos([r]),
      labels: { [LABEL.pgbackrestRepo]: r.name },
    }), 0, d.oldest);
    kubeObject(k8s.KubeJob, d, 'Resource', { metadata: jobMetadata(model, name, { [LABEL.pgbackrestRepo]: r.name }), spec });
  });
}

/**
 * The stanza-create Job. Its name carries a hash of the repos' settings, so adding or changing a repo makes a new
 * Job that creates the stanza there (Jobs are immutable).
 */
function renderStanzaCreate(scope: Construct, ctx: StandaloneContext): void {
  const { model } = ctx;
  const settings = JSON.stringify(model.repos.map(r => repoOptions(model, r, ConfigRole.JOB)));
  const name = `${model.names.stanzaCreateJob}-${shortHash(settings)}`;
  kubeObject(k8s.KubeJob, scope, 'StanzaCreate', {
    metadata: jobMetadata(model, name, { [LABEL.pgbackrestBackup]: 'replica-create' }),
    spec: jobSpec(ctx, jobPodTemplate(ctx, {
      component: 'stanza-create',
      script: STANZA_CREATE_SCRIPT,
      args: [],
      env: { FIRST_REPO: String(model.repos[0].index), DATABASE_WAIT_SECONDS: '1800' },
      volumeRepos: volumeRepos(model.repos),
      labels: {},
    }), 6),
  });
}

function renderCronJob(scope: Construct, ctx: StandaloneContext, r: ResolvedRepo, backupType: string, cron: string): void {
  const { model } = ctx;
  const labels = { [LABEL.pgbackrestRepo]: r.name, [LABEL.pgbackrestCronjob]: backupType };
  const template = jobPodTemplate(ctx, {
    component: `${r.name}-${backupType}`,
    script: BACKUP_SCRIPT,
    args: [`--repo=${r.index}`, `--type=${backupType}`],
    env: {},
    volumeRepos: volumeRepos([r]),
    labels,
  });
  kubeObject(k8s.KubeCronJob, scope, `CronJob-${r.name}-${backupType}`, {
    metadata: jobMetadata(model, model.names.cronJob(r.name, backupType), labels),
    spec: cronJobSpec(model, cron, r.repo.schedule?.timeZone, clusterLabels(model, { [LABEL.pgbackrest]: '', ...labels }), jobSpec(ctx, template, 0),
      r.repo.schedule?.suspended),
  });
}

/** The manual backup's Job renders into its construct (`scope`). */
function renderManualBackup(scope: Construct, ctx: StandaloneContext): void {
  const { model } = ctx;
  const m = model.manualBackup!;
  const r = model.repos.find(x => x.name === m.repoName) as ResolvedRepo;
  const args = [`--repo=${r.index}`, `--type=${m.backupType}`, ...m.options];
  if (model.tuning.startFastManual && !m.options.some(o => o.startsWith('--start-fast'))) args.push('--start-fast');
  const labels = { [LABEL.pgbackrestRepo]: r.name, [LABEL.pgbackrestBackup]: 'manual' };
  const annotations = { [LABEL.pgbackrestBackup]: m.backupId };
  kubeObject(k8s.KubeJob, scope, 'Resource', {
    metadata: jobMetadata(model, model.names.manualBackupJob(m.backupId), labels, annotations),
    spec: jobSpec(ctx, jobPodTemplate(ctx, {
      component: 'manual-backup',
      script: BACKUP_SCRIPT,
      args,
      env: {},
      volumeRepos: volumeRepos([r]),
      labels,
      annotations,
    }), 0),
  });
}
