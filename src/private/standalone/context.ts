/** What the standalone renderers share: the ConfigMap's keys, and the context each renders in. */
import { ClusterModel } from '../model/cluster-model';

/** ConfigMap keys of `<cluster>-pgbackrest-config`. */
export const CONFIG_KEYS = {
  instance: 'pgbackrest_instance.conf',
  repoHost: 'pgbackrest_repo.conf',
  job: 'pgbackrest_job.conf',
  server: 'pgbackrest-server.conf',
  restore: 'pgbackrest_restore.conf',
};

/** The file the TLS server's conf (CONFIG_KEYS.server) is projected to in conf.d, on instances and the repo host. */
export const SERVER_CONF_FILE = 'pgbackrest_server.conf';

/** What every standalone renderer needs beside the model. */
export interface StandaloneContext {
  readonly model: ClusterModel;
  /** The Secret rendered by the ExternalSecret, if any credential comes from an external store. */
  readonly externalSecret?: string;
  /** The restore source's Secret from the ExternalSecret, if its credentials are external. */
  readonly restoreExternalSecret?: string;
  /**
   * Hashes of the ConfigMap content each long-running pod mounts, for its pod template: a changed configuration
   * changes the template, so the StatefulSet rolls it out.
   */
  readonly configHash: { readonly instances: string; readonly repoHost: string };
}
