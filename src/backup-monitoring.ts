import { Duration } from 'cdk8s';
import { ContainerResources } from 'cdk8s-plus-28';

/**
 * How a cluster's backups are watched: an exporter of pgBackRest's and the WAL archiver's state beside the
 * database, and Prometheus alerts whose thresholds follow the declared schedules. A backup that stopped silently is
 * the failure users of every PostgreSQL operator report most; the library knows every schedule, so it can say when
 * a backup is late.
 *
 * Both targets export pgMonitor's metric names (`ccp_backrest_*`, `ccp_archive_command_status_*`), so one set of
 * alerts serves both: the operator target turns on IVYO's exporter (`spec.monitoring.pgmonitor.exporter`), the
 * standalone target runs postgres_exporter (the program in IVYO's exporter image) with queries of its own.
 */
export interface BackupMonitoringProps {
  /**
   * Run the exporter beside each instance (port 9187, named `exporter`).
   * @default true
   */
  readonly exporter?: boolean;
  /**
   * The exporter image (postgres_exporter, as in IVYO's exporter image).
   * @default - IVYO 5.4's exporter image (postgres_exporter 0.17.0)
   */
  readonly exporterImage?: string;
  /**
   * CPU and memory of the exporter container.
   * @default - operator: IVYO's; standalone: 10m CPU and 32 MiB requested, 128 MiB memory limit
   */
  readonly exporterResources?: ContainerResources;
  /**
   * Render a prometheus-operator `PrometheusRule` with the alerts and a `PodMonitor` that scrapes the exporter. Set
   * false where the prometheus-operator CRDs are not installed (`cluster.planAnalysis.toRuleFile()` then gives the same
   * rules as a rule file, for a Prometheus configured by hand).
   * @default true
   */
  readonly alerts?: boolean;
  /**
   * How much later than the schedule allows a backup may complete before it is late: added to the longest gap
   * between two runs of its schedule and its expected duration.
   * @default Duration.hours(1)
   */
  readonly grace?: Duration;
  /**
   * Labels of the PrometheusRule and PodMonitor, for a Prometheus whose `ruleSelector` and `podMonitorSelector`
   * select by label (kube-prometheus-stack selects `release: <its release name>`).
   * @default - none
   */
  readonly ruleLabels?: { [key: string]: string };
}
