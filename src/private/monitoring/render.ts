/**
 * The prometheus-operator objects that watch a cluster's backups, the same for both targets: a PodMonitor that
 * scrapes the exporter of every instance pod and names the cluster as the rules expect, and a PrometheusRule with the
 * rules. Rendered only with `monitoring.alerts`.
 */
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { CLUSTER_LABEL, EXPORTER_PORT_NAME } from './metrics';
import { RuleGroup } from './rules';
import { ClusterModel } from '../model/cluster-model';
import { LABEL, MANAGED_BY } from '../model/naming';

const API_VERSION = 'monitoring.coreos.com/v1';

export function renderMonitoring(scope: Construct, model: ClusterModel, groups: RuleGroup[]): void {
  if (!model.monitoring.alerts) return;
  const metadata = (name: string) => ({
    name,
    namespace: model.namespace,
    labels: { ...model.labels, ...model.monitoring.ruleLabels, ...MANAGED_BY, [LABEL.cluster]: model.name },
  });
  new ApiObject(scope, 'PodMonitor', {
    apiVersion: API_VERSION,
    kind: 'PodMonitor',
    metadata: metadata(`${model.name}-exporter`),
    spec: {
      // The instance pods (they carry the instance-set label; backup Jobs and the repo host do not).
      selector: {
        matchLabels: { [LABEL.cluster]: model.name },
        matchExpressions: [{ key: LABEL.instanceSet, operator: 'Exists' }],
      },
      podMetricsEndpoints: [{
        port: EXPORTER_PORT_NAME,
        relabelings: [
          // The rules select a cluster by namespace (set by prometheus-operator) and this label.
          { sourceLabels: [`__meta_kubernetes_pod_label_${promLabel(LABEL.cluster)}`], targetLabel: CLUSTER_LABEL },
          { sourceLabels: ['__meta_kubernetes_pod_name'], targetLabel: 'pod' },
        ],
      }],
    },
  });
  new ApiObject(scope, 'PrometheusRule', {
    apiVersion: API_VERSION,
    kind: 'PrometheusRule',
    metadata: metadata(`${model.name}-backups`),
    spec: { groups },
  });
}

/** A Kubernetes label name as Prometheus's service discovery spells it in `__meta_kubernetes_pod_label_*`. */
function promLabel(label: string): string {
  return label.replace(/[^a-zA-Z0-9_]/g, '_');
}
