/**
 * Who may connect to PostgreSQL's port of the instances (standalone target: an ingress rule of the instances'
 * NetworkPolicy). The instances always admit each other (replication) whatever is given.
 */
export class ClientAccess {
  /** Every pod of the cluster's own namespace: the default. */
  public static sameNamespace(): ClientAccess {
    return new ClientAccess('sameNamespace', {});
  }

  /** Every pod of one other namespace, by name (its `kubernetes.io/metadata.name` label). */
  public static fromNamespace(name: string): ClientAccess {
    return new ClientAccess('fromNamespace', { namespaceLabels: { 'kubernetes.io/metadata.name': name } });
  }

  /** Every pod of the namespaces with these labels. */
  public static fromNamespaces(namespaceLabels: { [key: string]: string }): ClientAccess {
    return new ClientAccess('fromNamespaces', { namespaceLabels });
  }

  /**
   * Pods with these labels: in the cluster's namespace, or, with `namespaceLabels`, in the namespaces with those
   * labels.
   */
  public static fromPods(podLabels: { [key: string]: string }, namespaceLabels?: { [key: string]: string }): ClientAccess {
    return new ClientAccess('fromPods', { podLabels, namespaceLabels });
  }

  /** Addresses in an IP block (CIDR), for clients outside the Kubernetes cluster's pod network. */
  public static fromCidr(cidr: string): ClientAccess {
    return new ClientAccess('fromCidr', { cidr });
  }

  /** @internal */
  public readonly _factory: string;
  /** @internal */
  public readonly _spec: { podLabels?: { [key: string]: string }; namespaceLabels?: { [key: string]: string }; cidr?: string };

  private constructor(factory: string, spec: ClientAccess['_spec']) {
    this._factory = factory;
    this._spec = spec;
  }
}
