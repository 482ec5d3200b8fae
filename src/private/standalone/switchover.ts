/**
 * The switchover Job of the standalone target under Patroni: what IVYO's operator does for `spec.patroni.switchover`
 * and the `trigger-switchover` annotation, as a Job that runs once per trigger. It asks Patroni's REST API (HTTPS,
 * port 8008) who leads, posts `/switchover` to the leader, and confirms from `/cluster` that the new leader runs.
 */
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { StandaloneContext } from './context';
import { JOB_RESOURCES, jobSpec } from './jobs';
import {
  clusterLabels, containerSecurityContext, env, fieldEnv, PGBACKREST_TLS_MOUNT, PGBACKREST_TLS_VOLUME, podDefaults, TMP_MOUNT, tmpVolume,
  tlsVolume,
} from './pod';
import { tlsSecretNames } from './tls';
import { kubeObject } from '../kube/kube-object';
import { renderResources } from '../kube/resources';
import { ClusterModel, instancePods } from '../model/cluster-model';
import { ANNOTATION, LABEL, MANAGED_BY } from '../model/naming';
import { PATRONI_PORT } from '../patroni/config';
import { TLS_DIR } from '../pgbackrest/config';
import { Problems } from '../validation';

/** How long the Job waits for a running leader (and a running target) before it fails: a Job applied with the cluster. */
export const SWITCHOVER_WAIT_SECONDS = 300;

/** The switchover the standalone target renders a Job for: one requested, on a cluster Patroni runs. */
export function switchoverRequest(model: ClusterModel): ClusterModel['highAvailability']['switchover'] {
  return model.highAvailability.enabled ? model.highAvailability.switchover : undefined;
}

/**
 * Labels of the switchover Job's pods. Not the backup Jobs' selector (jobSelector): the instances admit that one to
 * pgBackRest's TLS server, which reads and writes PGDATA; these pods are admitted to Patroni's REST API only.
 */
export function switchoverSelector(model: ClusterModel): { [key: string]: string } {
  return { [LABEL.cluster]: model.name, [LABEL.switchover]: '' };
}

/**
 * On the standalone target `targetInstance` is a pod name, which is Patroni's member name (PATRONI_NAME): it must be
 * one of the cluster's instance pods. Its DNS-label form is checked with the other settings (patroni/settings.ts).
 */
export function checkSwitchoverTarget(model: ClusterModel, problems: Problems): void {
  const target = model.highAvailability.switchover?.targetInstance;
  if (target === undefined) return;
  const pods = instancePods(model);
  if (!pods.includes(target)) {
    problems.add('highAvailability.switchover.targetInstance', target,
      `on the standalone target, the pod (Patroni member) to become primary: one of the cluster's instance pods, ${pods.join(', ')}`);
  }
}

/**
 * The Job's script (python3, in the IvorySQL image for Patroni). Logs each step on stdout as `switchover: ...`.
 * It holds no `$(`, which Kubernetes would expand in a command.
 */
export const SWITCHOVER_SCRIPT = `
import http.client, json, os, ssl, sys, time

PODS = os.environ['INSTANCE_PODS'].split()
DOMAIN = os.environ['POD_DOMAIN']
PORT = int(os.environ['PATRONI_PORT'])
TARGET = os.environ.get('TARGET_INSTANCE') or None
TRIGGER = os.environ.get('TRIGGER', '')
WAIT = int(os.environ['WAIT_SECONDS'])
TLS = os.environ['TLS_DIR']

# The server's certificate is verified against the CA and the pod name connected to; the client certificate is
# what Patroni (verify_client: optional) requires for POST.
CONTEXT = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=TLS + '/ca.crt')
CONTEXT.load_cert_chain(TLS + '/tls.crt', TLS + '/tls.key')
ERRORS = (OSError, ValueError, http.client.HTTPException)


def log(message):
    print('switchover: ' + message, flush=True)


def fail(message):
    log('FAILED: ' + message)
    sys.exit(1)


def call(pod, method, path, body=None, timeout=10):
    conn = http.client.HTTPSConnection(pod + '.' + DOMAIN, PORT, context=CONTEXT, timeout=timeout)
    try:
        headers = {'Content-Type': 'application/json'} if body is not None else {}
        conn.request(method, path, body=None if body is None else json.dumps(body), headers=headers)
        response = conn.getresponse()
        return response.status, response.read().decode('utf-8', 'replace').strip()
    finally:
        conn.close()


def cluster():
    """The cluster as the first member that answers sees it (the leader may be any pod), and which one it was."""
    errors = []
    for pod in PODS:
        try:
            status, text = call(pod, 'GET', '/cluster')
            if status == 200:
                return json.loads(text), pod
            errors.append('%s: HTTP %d %s' % (pod, status, text))
        except ERRORS as e:
            errors.append('%s: %s' % (pod, e))
    return None, '; '.join(errors)


def leader_of(c):
    return next((m for m in (c or {}).get('members', []) if m.get('role') == 'leader'), None)


def not_ready(c):
    """Why the switchover cannot start yet, or None."""
    lead = leader_of(c)
    if lead is None or lead.get('state') != 'running':
        return 'no running leader'
    if TARGET == lead['name']:
        return None
    others = [m for m in c['members'] if m['name'] != lead['name']]
    if TARGET:
        target = next((m for m in others if m['name'] == TARGET), None)
        if target is None:
            return '%s is not a member of the cluster' % TARGET
        if target.get('state') not in ('running', 'streaming'):
            return '%s is %s' % (TARGET, target.get('state') or 'not running')
    elif not any(m.get('state') in ('running', 'streaming') for m in others):
        return 'no replica is running'
    return None


log('trigger %r, target %s, members %s' % (TRIGGER, TARGET or '(Patroni chooses)', ', '.join(PODS)))
deadline = time.monotonic() + WAIT
while True:
    c, where = cluster()
    why = not_ready(c) if c else 'no member answers (%s)' % where
    if why is None:
        break
    if time.monotonic() >= deadline:
        fail('the cluster is not ready after %d s: %s' % (WAIT, why))
    log('waiting: ' + why)
    time.sleep(5)

old = leader_of(c)['name']
old_timeline = leader_of(c).get('timeline')
log('leader is %s on timeline %s (as %s sees the cluster)' % (old, old_timeline, where))
if TARGET == old:
    log('%s already leads: nothing to do' % TARGET)
    sys.exit(0)

body = {'leader': old}
if TARGET:
    body['candidate'] = TARGET
log('asking %s to switch over: POST /switchover %s' % (old, json.dumps(body)))
try:
    status, text = call(old, 'POST', '/switchover', body, timeout=120)
except ERRORS as e:
    fail('%s did not answer the switchover request: %s' % (old, e))
log('Patroni answered %d: %s' % (status, text))
# 200 when done; 503 "Switchover status unknown" when Patroni stopped watching before it was: the cluster says.
if status != 200 and not (status == 503 and 'status unknown' in text):
    fail('Patroni did not switch over: HTTP %d %s' % (status, text))

deadline = time.monotonic() + 120
while True:
    c, where = cluster()
    new = leader_of(c)
    if new and new['name'] != old:
        if TARGET and new['name'] != TARGET:
            fail('%s leads instead of %s (Patroni: %s)' % (new['name'], TARGET, text))
        # Promoted: running on a new timeline (Patroni updates a member's timeline within a loop).
        if new.get('state') == 'running' and (old_timeline is None or (new.get('timeline') or 0) > old_timeline):
            log('done: %s leads and is running on timeline %s; %s was the leader' % (new['name'], new.get('timeline'), old))
            sys.exit(0)
    if time.monotonic() >= deadline:
        fail('no new leader running on a new timeline 120 s after the request (leader: %s; Patroni: %s)' % (new and new['name'], text))
    time.sleep(2)
`;

/**
 * The switchover Job, when `highAvailability.switchover` is given: one per trigger (its name hashes it), never
 * retried (backoffLimit 0: a retry without a target would switch again) and kept once finished (no TTL), so that
 * re-applying the app finds it done rather than switching again.
 */
export function renderSwitchoverJob(scope: Construct, ctx: StandaloneContext): void {
  const { model } = ctx;
  const switchover = switchoverRequest(model);
  if (!switchover) return;
  const annotations = { [ANNOTATION.triggerSwitchover]: switchover.trigger };
  const labels = switchoverSelector(model);
  const template: k8s.PodTemplateSpec = {
    metadata: { labels: clusterLabels(model, labels), annotations: { ...model.annotations, ...annotations } },
    spec: {
      // No service account token (podDefaults): the Job talks to Patroni only, not to the Kubernetes API.
      ...podDefaults(model, model.names.pgbackrestServiceAccount),
      restartPolicy: 'Never',
      ...(model.jobs.priorityClassName ? { priorityClassName: model.jobs.priorityClassName } : {}),
      containers: [{
        name: 'switchover',
        image: model.image,
        imagePullPolicy: 'IfNotPresent',
        command: ['python3', '-u', '-c', SWITCHOVER_SCRIPT.trim() + '\n'],
        env: [
          ...env({
            INSTANCE_PODS: instancePods(model).join(' '),
            // The pods' full names: the certificate has them (pgbackrestDnsNames), and they resolve from anywhere.
            POD_DOMAIN: `${model.names.podsService}.${model.namespace}.svc.${model.names.domain}`,
            PATRONI_PORT: String(PATRONI_PORT),
            TARGET_INSTANCE: switchover.targetInstance,
            WAIT_SECONDS: String(SWITCHOVER_WAIT_SECONDS),
            TLS_DIR,
          }),
          // From the annotation, not copied into a value: Kubernetes would expand a `$(...)` in it.
          fieldEnv('TRIGGER', `metadata.annotations['${ANNOTATION.triggerSwitchover}']`),
        ],
        securityContext: containerSecurityContext(),
        resources: renderResources(model.jobs.resources, JOB_RESOURCES),
        volumeMounts: [PGBACKREST_TLS_MOUNT, TMP_MOUNT],
      }],
      volumes: [
        // The client certificate the backup Jobs have: the pgBackRest certificate, which Patroni's REST API also
        // serves (patroni/config.ts restTls). Patroni admits a POST with any client certificate of that CA whose
        // usages allow client auth: this one (instances, repo host, backup Jobs) and the replication certificate
        // (instances) — every pod that holds one can already read or replicate the data.
        tlsVolume(PGBACKREST_TLS_VOLUME, tlsSecretNames(model).pgbackrest),
        tmpVolume(),
      ],
    },
  };
  kubeObject(k8s.KubeJob, scope, 'SwitchoverJob', {
    metadata: {
      name: model.names.switchoverJob(switchover.trigger),
      namespace: model.namespace,
      labels: clusterLabels(model, { ...labels, ...MANAGED_BY }),
      annotations,
    },
    spec: jobSpec(ctx, template, 0, true),
  });
}
