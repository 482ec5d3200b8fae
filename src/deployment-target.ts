/**
 * What the constructs synthesize: a custom resource for the IvorySQL Operator (IVYO), or every object without it.
 * Both render the same pgBackRest settings; choose by whether IVYO runs in the Kubernetes cluster.
 */
export enum DeploymentTarget {
  /**
   * An IvoryCluster custom resource (and what IVYO needs beside it); the IvorySQL Operator makes the rest. Needs
   * IVYO installed; restores from a cluster known only by name (`Restore.fromClusterName`) need it.
   */
  OPERATOR = 'operator',
  /**
   * Every object the operator would make, rendered here, for Kubernetes clusters without the operator. Only this
   * target renders backup deletions and restore checks, honours schedule time zones and initializes plain
   * PostgreSQL (`DatabaseMode.POSTGRESQL`).
   */
  STANDALONE = 'standalone',
}
