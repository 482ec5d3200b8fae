/**
 * The spec of every PersistentVolumeClaim the library asks for, in both targets: instance data and WAL volumes,
 * volume repos and the restore checks' scratch volumes.
 */
import { Size } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { quantity } from './resources';

/** A claim of `size`, of the given storage class (else the cluster's default). */
export function volumeClaimSpec(size: Size, storageClassName?: string, accessMode = 'ReadWriteOnce'): k8s.PersistentVolumeClaimSpec {
  return {
    accessModes: [accessMode],
    resources: { requests: { storage: k8s.Quantity.fromString(quantity(size.toKibibytes())) } },
    ...(storageClassName ? { storageClassName } : {}),
  };
}

/** The same claim as plain JSON, for a custom resource (IVYO's IvoryCluster), converted as a typed object would be. */
export function volumeClaimSpecJson(size: Size, storageClassName?: string, accessMode?: string): { [key: string]: unknown } {
  return k8s.toJson_PersistentVolumeClaimSpec(volumeClaimSpec(size, storageClassName, accessMode)) as { [key: string]: unknown };
}
