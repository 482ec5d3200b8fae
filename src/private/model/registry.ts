/**
 * The clusters of the program, and how to get each one's model: a restore source or a standby's primary is read
 * through here, so the code that reads a model never imports the construct that holds it.
 */
import { IConstruct } from 'constructs';
import type { ClusterModel } from './cluster-model';

const models = new WeakMap<IConstruct, () => ClusterModel>();

/** Records `cluster` as an IvoryCluster whose current model `model()` returns. */
export function registerCluster(cluster: IConstruct, model: () => ClusterModel): void {
  models.set(cluster, model);
}

/** True when `value` is an IvoryCluster. */
export function isCluster(value: unknown): value is IConstruct {
  return typeof value === 'object' && value !== null && models.has(value as IConstruct);
}

/** The model of the IvoryCluster `cluster`, as it is now; undefined when `cluster` is not one. */
export function modelOf(cluster: unknown): ClusterModel | undefined {
  return isCluster(cluster) ? models.get(cluster)?.() : undefined;
}
