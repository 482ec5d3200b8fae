import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';

/** A generated Kubernetes object class (`k8s.KubeJob`, ...), used for its typed props and its `manifest()`. */
interface KubeKind<P> {
  manifest(props: P): any;
}

/**
 * Adds a typed Kubernetes object as a plain `ApiObject`. Why not `new k8s.KubeJob(...)`: cdk8s walks the whole
 * app's construct tree once per chart, and a tree of one class is walked about twice as fast as one of a dozen
 * (`npm run bench` measures it at fleet scale). The props are typed and converted exactly as the class would.
 */
export function kubeObject<P>(kind: KubeKind<P>, scope: Construct, id: string, props: P): ApiObject {
  return new ApiObject(scope, id, kind.manifest(props));
}
