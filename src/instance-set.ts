import { Size } from 'cdk8s';
import { ContainerResources } from 'cdk8s-plus-28';

/** A set of IvorySQL instances with the same shape. */
export interface InstanceSetProps {
  /**
   * Name of the set, part of its StatefulSet and pod names.
   * @default `instance1`, `instance2`, ... by position
   */
  readonly name?: string;
  /**
   * Number of instances. In the standalone target the first set's first pod is the primary; the others are
   * replicas bootstrapped from the repo and then streaming from the primary.
   * @default 1
   */
  readonly replicas?: number;
  /**
   * Size of each instance's data volume.
   * @default Size.gibibytes(1)
   */
  readonly dataVolumeSize?: Size;
  /**
   * StorageClass of the data volumes.
   * @default - the cluster's default StorageClass
   */
  readonly storageClassName?: string;
  /**
   * Size of a separate WAL volume.
   * @default - WAL lives on the data volume
   */
  readonly walVolumeSize?: Size;
  /**
   * StorageClass of the WAL volumes.
   * @default - storageClassName
   */
  readonly walStorageClassName?: string;
  /**
   * CPU and memory of the database container.
   * @default - 1 CPU / 1 GiB requested, 2 GiB memory limit
   */
  readonly resources?: ContainerResources;
}
