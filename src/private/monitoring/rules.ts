/**
 * The alert rules of one cluster, as Prometheus rule groups: rendered into a PrometheusRule by both targets, shown
 * in the backup plan report, and checked and tested with promtool. Every threshold comes from the declared plan
 * (thresholds.ts); every label an Alertmanager route needs is on every alert.
 */
import { ARCHIVE_FAILING, ARCHIVE_READY, CLUSTER_LABEL, EXPORTER_UP, SINCE_LAST_BACKUP } from './metrics';
import { BackupType } from '../../backup-type';
import { DeploymentTarget } from '../../deployment-target';
import { RepoStorage } from '../../repo-credentials';
import { ClusterModel } from '../model/cluster-model';
import { Threshold } from '../plan/thresholds';

export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly for?: string;
  readonly labels: { [key: string]: string };
  readonly annotations: { [key: string]: string };
}

export interface RuleGroup {
  readonly name: string;
  readonly rules: AlertRule[];
}

/** Segments waiting to be archived before archiving counts as behind: more than the async queue keeps in flight. */
const READY_SEGMENTS_BEHIND = 16;

const TYPE_WORD: { [type: string]: string } = {
  [BackupType.FULL]: 'full',
  [BackupType.DIFFERENTIAL]: 'differential (or full)',
  [BackupType.INCREMENTAL]: 'incremental (or any)',
};

/** `1d 2h 3m` for a number of seconds. */
export function humanDuration(seconds: number): string {
  const parts: string[] = [];
  let rest = Math.round(seconds);
  for (const [unit, size] of [['d', 86400], ['h', 3600], ['m', 60], ['s', 1]] as const) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  return parts.length ? parts.join(' ') : '0s';
}

/** The rule groups that watch `model`'s backups, with `thresholds` from its plan. */
export function alertRules(model: ClusterModel, thresholds: readonly Threshold[]): RuleGroup[] {
  const sel = (extra: { [k: string]: string } = {}) => `{${Object.entries({ namespace: model.namespace, [CLUSTER_LABEL]: model.name, ...extra })
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}}`;
  const base = { namespace: model.namespace, [CLUSTER_LABEL]: model.name };
  const who = `${model.namespace}/${model.name}`;
  const rules: AlertRule[] = [];
  const zoneNote = model.target === DeploymentTarget.OPERATOR
    ? ' (IVYO\'s CronJobs follow the kube-controller-manager\'s time zone; the gap is measured in UTC)' : '';

  for (const t of thresholds) {
    rules.push({
      alert: 'IvoryBackupLate',
      expr: `min by (namespace, ${CLUSTER_LABEL}, repo) (${SINCE_LAST_BACKUP[t.backupType]}${sel({ repo: String(t.repoIndex) })}) > ${t.threshold}`,
      labels: { severity: 'warning', ...base, repo: t.repoName, type: t.backupType },
      annotations: {
        summary: `No ${TYPE_WORD[t.backupType]} backup of ${who} ${t.repoName} has completed for more than ${humanDuration(t.threshold)}`,
        description: `Expected by ${t.schedules.join(', ')}${zoneNote}: at most ${humanDuration(t.longestGap)} between runs, `
          + `${humanDuration(t.expectedDuration)} to run, ${humanDuration(t.grace)} of grace. Look at the backup CronJob's last Jobs and pgbackrest info.`,
      },
    });
  }
  for (const r of model.repos) {
    rules.push({
      alert: 'IvoryBackupMetricsAbsent',
      expr: `absent(${SINCE_LAST_BACKUP[BackupType.FULL]}${sel({ repo: String(r.index) })})`,
      for: '15m',
      labels: { severity: 'warning', ...base, repo: r.name },
      annotations: {
        summary: `No backup metrics for ${who} ${r.name}: the exporter is not scraped, pgbackrest info fails, or the repo holds no full backup`,
        description: 'Without these series no backup alert can fire. Check the exporter container, then `pgbackrest info` in an instance pod.',
      },
    });
  }
  rules.push({
    alert: 'IvoryExporterDown',
    expr: `absent(${EXPORTER_UP}${sel()} == 1)`,
    for: '10m',
    labels: { severity: 'warning', ...base },
    annotations: {
      summary: `No exporter of ${who} reaches its database`,
      description: 'Every backup and archiving alert of this cluster depends on it: check the exporter containers and the PodMonitor.',
    },
  });
  rules.push({
    alert: 'IvoryWalArchiveFailing',
    expr: `max by (namespace, ${CLUSTER_LABEL}) (${ARCHIVE_FAILING}${sel()}) > 0`,
    for: '5m',
    labels: { severity: 'critical', ...base },
    annotations: {
      summary: `WAL archiving of ${who} is failing: point-in-time recovery stops at the last archived segment`,
      description: 'PostgreSQL retries every minute. On the primary: pg_stat_archiver, the async log in /pgdata/pgbackrest/log '
        + 'and the spool\'s .error files; a full disk, an expired credential or an unreachable repo are the usual causes.',
    },
  });
  if (model.target === DeploymentTarget.STANDALONE) {
    rules.push({
      alert: 'IvoryWalArchiveBehind',
      expr: `max by (namespace, ${CLUSTER_LABEL}) (${ARCHIVE_READY}${sel()}) > ${READY_SEGMENTS_BEHIND}`,
      for: '15m',
      labels: { severity: 'warning', ...base },
      annotations: {
        summary: `More than ${READY_SEGMENTS_BEHIND} WAL segments of ${who} are waiting to be archived`,
        description: 'Archiving keeps up no longer: the data volume fills with WAL, and a failover would lose what is not archived.',
      },
    });
  }
  for (const r of model.repos) {
    for (const type of [BackupType.FULL, BackupType.DIFFERENTIAL, BackupType.INCREMENTAL]) {
      if (r.repo.schedule?.cronFor(type) === undefined) continue;
      rules.push(cronJobFailed(model.namespace, model.names.cronJob(r.name, type), { severity: 'warning', ...base, repo: r.name, type },
        `The last ${type} backup Job of ${who} ${r.name} failed after the CronJob's last success`));
    }
    if (r.storage === RepoStorage.VOLUME) {
      const claim = model.names.repoVolume(r.name);
      const pvc = `{namespace=${JSON.stringify(model.namespace)},persistentvolumeclaim=${JSON.stringify(claim)}}`;
      rules.push({
        alert: 'IvoryRepoVolumeFilling',
        expr: `kubelet_volume_stats_available_bytes${pvc} / kubelet_volume_stats_capacity_bytes${pvc} < 0.1`,
        for: '15m',
        labels: { severity: 'warning', ...base, repo: r.name },
        annotations: {
          summary: `The volume of ${who} ${r.name} (${claim}) has less than 10% free`,
          description: 'A full repo fails backups and then WAL archiving. Grow the claim or shorten retention.',
        },
      });
    }
  }
  for (const check of model.restoreChecks) {
    const name = model.names.restoreCheck(check.checkId);
    const labels = { severity: 'warning', ...base, repo: check.repoName, check: check.checkId };
    const summary = `The restore check ${check.checkId} of ${who} failed: a backup of ${check.repoName} did not restore and answer its query`;
    rules.push(check.schedule !== undefined ? cronJobFailed(model.namespace, name, labels, summary) : {
      alert: 'IvoryRestoreCheckFailed',
      expr: `max by (namespace, job_name) (kube_job_failed{namespace=${JSON.stringify(model.namespace)},job_name=${JSON.stringify(name)},condition="true"}) == 1`,
      labels,
      annotations: { summary, description: `kubectl logs job/${name}` },
    });
  }
  return [{ name: `ivorysql-backups.${model.namespace}.${model.name}`, rules }];
}

/**
 * A CronJob's newest failed Job is newer than its last success (kube-state-metrics). Kubernetes keeps the last
 * failed Job after later successes, so "a failed Job exists" would keep firing; the join compares start times.
 */
function cronJobFailed(namespace: string, cronJob: string, labels: { [key: string]: string }, summary: string): AlertRule {
  const ns = JSON.stringify(namespace);
  const owner = `kube_job_owner{namespace=${ns},owner_kind="CronJob",owner_name=${JSON.stringify(cronJob)}}`;
  const failed = `(kube_job_failed{namespace=${ns},condition="true"} == 1)`;
  const lastSuccess = `label_replace(kube_cronjob_status_last_successful_time{namespace=${ns},cronjob=${JSON.stringify(cronJob)}}, "owner_name", "$1", "cronjob", "(.*)")`;
  const failedStarts = `max by (namespace, owner_name) (kube_job_status_start_time{namespace=${ns}} * on (namespace, job_name) group_left() ${failed} `
    + `* on (namespace, job_name) group_left(owner_name) ${owner})`;
  const anyFailed = `max by (namespace, owner_name) (${failed} * on (namespace, job_name) group_left(owner_name) ${owner})`;
  return {
    alert: labels.check !== undefined ? 'IvoryRestoreCheckFailed' : 'IvoryBackupJobFailed',
    expr: `(${failedStarts} > on (namespace, owner_name) group_left() max by (namespace, owner_name) (${lastSuccess})) `
      + `or (${anyFailed} unless on (namespace, owner_name) ${lastSuccess})`,
    labels: { ...labels, cronjob: cronJob },
    annotations: { summary, description: `kubectl get jobs -n ${namespace} -l batch.kubernetes.io/cronjob-name=${cronJob}; kubectl logs job/<the failed one>` },
  };
}
