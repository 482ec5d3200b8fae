import { Size } from 'cdk8s';
import { ContainerResources } from 'cdk8s-plus-28';
import { InstanceSpread } from './instance-spread';

/**
 * A set of IvorySQL instances with the same shape: one StatefulSet. Add a second set for instances of another size
 * or storage (say, replicas on another storage class).
 */
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
   * Size of each instance's data volume. The smallest one also bounds the asynchronous archive queue
   * (`tuning.archivePushQueueMax`), and the first set's sizes restore checks' scratch volumes.
   * @default Size.gibibytes(1)
   */
  readonly dataVolumeSize?: Size;
  /**
   * StorageClass of the data volumes.
   * @default - the cluster's default StorageClass
   */
  readonly storageClassName?: string;
  /**
   * Size of a separate WAL volume, so that a burst of WAL cannot fill the data volume, or the data the WAL's.
   * @default - WAL lives on the data volume
   */
  readonly walVolumeSize?: Size;
  /**
   * StorageClass of the WAL volumes.
   * @default - storageClassName
   */
  readonly walStorageClassName?: string;
  /**
   * CPU and memory of the database container (and, standalone, of the container that initializes or restores it).
   * @default - standalone: 500m CPU and 512 MiB requested, 2 GiB memory limit; operator: none set, IVYO's own
   */
  readonly resources?: ContainerResources;
  /**
   * Size of the database container's `/dev/shm`, a memory-backed emptyDir (standalone target; IVYO mounts one of
   * its own, unbounded). PostgreSQL's parallel queries allocate their shared memory there, and the container
   * runtime's 64 MiB default breaks them ("could not resize shared memory segment"). Its pages count against the
   * container's memory limit, so it may not exceed that limit.
   * @default Size.gibibytes(1)
   */
  readonly sharedMemorySize?: Size;
  /**
   * How the set's pods spread over nodes and zones (standalone target: `topologySpreadConstraints` counting every
   * instance of the cluster). IVYO applies spread defaults of its own, so the operator target refuses this prop.
   * @default InstanceSpread.nodesAndZones(): over nodes and zones, as a preference
   */
  readonly spread?: InstanceSpread;
}
