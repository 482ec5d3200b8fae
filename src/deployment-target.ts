/** What the constructs synthesize. */
export enum DeploymentTarget {
  /** An IvoryCluster custom resource (and what IVYO needs beside it); the IvorySQL Operator makes the rest. */
  OPERATOR = 'operator',
  /** Every object the operator would make, rendered here, for clusters without the operator. */
  STANDALONE = 'standalone',
}
