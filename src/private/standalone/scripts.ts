/**
 * The shell the standalone pods run. Each script is passed to `bash -ceu` with its inputs in environment
 * variables, so the manifests show exactly what runs and nothing secret is on a command line. Tools are called by
 * name: any image with `postgres`, `pg_ctl`, `initdb`, `psql` and `pgbackrest` on PATH works.
 */
import { FIRST_BACKUP_SOURCE } from '../pgbackrest/config';
import { INSTANCE_LOG_DIR, INSTANCE_PGBACKREST_DIR, REPO_NAMES, repoIndex, SPOOL_DIR, STANZA } from '../pgbackrest/layout';
import { DATA_MOUNT } from '../postgres/layout';

/**
 * Gives the pod's uid a passwd entry named $SUPERUSER through nss_wrapper (in the IvorySQL image), whatever the uid.
 * A Kubernetes `command` replaces the image's entrypoint, which is what sets this up for an arbitrary uid (OpenShift);
 * initdb ("could not look up effective user ID"), PostgreSQL's peer authentication and libpq all need one. The files
 * live in the pod's shared /tmp, and every IvorySQL container reads them through LD_PRELOAD and NSS_WRAPPER_* in its
 * env, so a `kubectl exec` sees the same user. The entry replaces any the image has for this uid or name, so the
 * superuser is $SUPERUSER under every uid.
 */
export const NSS_WRAPPER_FUNCTION = `
nss_wrapper_setup() {
  local uid gid
  uid=$(id -u) gid=$(id -g)
  mkdir -p "$(dirname "$NSS_WRAPPER_PASSWD")"
  { awk -F: -v uid="$uid" -v name="$SUPERUSER" '$3 != uid && $1 != name' /etc/passwd
    echo "$SUPERUSER:x:$uid:$gid:IvorySQL:/tmp:/bin/bash"; } > "$NSS_WRAPPER_PASSWD.new"
  { awk -F: -v gid="$gid" -v name="$SUPERUSER" '$3 != gid && $1 != name' /etc/group
    echo "$SUPERUSER:x:$gid:"; } > "$NSS_WRAPPER_GROUP.new"
  mv "$NSS_WRAPPER_PASSWD.new" "$NSS_WRAPPER_PASSWD"
  mv "$NSS_WRAPPER_GROUP.new" "$NSS_WRAPPER_GROUP"
  if [ "$(getent passwd "$uid" | cut -d: -f1)" != "$SUPERUSER" ]; then
    echo "uid $uid has no passwd entry named $SUPERUSER: the image needs nss_wrapper (libnss_wrapper.so), as IVYO's has" >&2
    exit 1
  fi
}
nss_wrapper_setup
`;

/** Retries a pgBackRest command while another backup of the cluster holds pgBackRest's lock. */
export const LOCK_WAIT_FUNCTION = `
# pgBackRest takes one backup of a cluster at a time: a second one fails with "unable to acquire lock".
# Wait for the running one to finish, up to LOCK_WAIT_SECONDS, then run.
run_when_unlocked() {
  local deadline=$(( $(date +%s) + LOCK_WAIT_SECONDS )) rc log=/tmp/pgbackrest-attempt.log
  while :; do
    set +e
    "$@" 2>&1 | tee "$log"
    rc=\${PIPESTATUS[0]}
    set -e
    [ "$rc" -eq 0 ] && return 0
    if grep -q 'unable to acquire lock' "$log" && [ "$(date +%s)" -lt "$deadline" ]; then
      echo "another pgBackRest backup of this cluster is running; retrying in 10s"
      sleep 10
      continue
    fi
    explain_archive_timeout "$log"
    return "$rc"
  done
}

# A backup that gave up waiting for WAL ("[082] WAL segment ... was not archived before the ...ms timeout") is
# rarely broken itself: archiving from the primary is behind or failing. Say so, with what each repo holds and
# where the reason is; this Job cannot query PostgreSQL, the primary can.
explain_archive_timeout() {
  grep -q 'was not archived before the' "$1" || return 0
  local segment r
  segment=$(grep -o 'WAL segment [0-9A-F]*' "$1" | tail -n 1 | cut -d' ' -f3)
  {
    echo "--- why this backup failed"
    echo "WAL segment $segment did not reach the repo within archive-timeout ($(grep -o '[0-9]*ms timeout' "$1" | tail -n 1)):"
    echo "WAL archiving from the primary is behind or failing. The newest WAL in each repo:"
    for r in ${REPO_NAMES.map(repoIndex).join(' ')}; do
      pgbackrest --stanza=${STANZA} --repo="$r" info 2>/dev/null | grep -o 'wal archive min/max.*' | sed "s|^|  repo$r: |" || true
    done
    echo "On the primary ($INSTANCE_PODS), container database:"
    echo "  psql -c 'select * from pg_stat_archiver'   (last_failed_wal, last_failed_time)"
    echo "  ${INSTANCE_LOG_DIR}/${STANZA}-archive-push-async.log and ${SPOOL_DIR}/archive/${STANZA}/out/*.error (the last push error)"
    echo "A repo that is down or refuses the credential stops archiving; one that is slow delays it (tuning.archiveTimeout waits longer)."
  } >&2
}
`;

/** A scheduled or manual backup: `pgbackrest backup` with the given arguments, waiting for the lock. */
export const BACKUP_SCRIPT = `${LOCK_WAIT_FUNCTION}
run_when_unlocked pgbackrest --stanza=${STANZA} backup "$@"
`;

/**
 * Creates the stanza on every repo (idempotent: existing stanzas are kept) once the database answers, then takes
 * the first full backup to the first repo if it has none, so replicas can be bootstrapped and time can be
 * recovered from the start.
 */
export const STANZA_CREATE_SCRIPT = `${LOCK_WAIT_FUNCTION}
deadline=$(( $(date +%s) + DATABASE_WAIT_SECONDS ))
log=/tmp/stanza-create.log
until pgbackrest --stanza=${STANZA} stanza-create 2>&1 | tee "$log"; [ "\${PIPESTATUS[0]}" -eq 0 ]; do
  # Only an unreachable database is worth waiting for; anything else (a repo error) fails now, with its message.
  if ! grep -qE 'unable to find primary cluster|HostConnectError|unable to connect|unable to get address' "$log"; then
    exit 1
  fi
  if [ "$(date +%s)" -ge "$deadline" ]; then
    echo "the database did not become reachable within \${DATABASE_WAIT_SECONDS}s" >&2
    exit 1
  fi
  echo "waiting for the database; retrying stanza-create in 5s"
  sleep 5
done
if pgbackrest --stanza=${STANZA} --repo="$FIRST_REPO" info --output=json | grep -q '"label"'; then
  echo "repo$FIRST_REPO already has a backup"
else
  run_when_unlocked pgbackrest --stanza=${STANZA} --repo="$FIRST_REPO" --type=full --start-fast ${FIRST_BACKUP_SOURCE} backup
fi
`;

/**
 * Deletes one backup with \`pgbackrest expire --set\`. Refuses a backup that is not the repo's oldest unless
 * FORCE=y: deleting a newer one leaves a hole in the recovery window.
 */
export const EXPIRE_SCRIPT = `
labels=$(pgbackrest --stanza=${STANZA} --repo="$REPO" info --output=json | grep -o '"label":"[^"]*"' | sed 's/"label":"\\(.*\\)"/\\1/')
if ! printf '%s\\n' "$labels" | grep -qx "$BACKUP_SET"; then
  echo "backup $BACKUP_SET is not in repo$REPO; it has: $(echo $labels)" >&2
  exit 1
fi
oldest=$(printf '%s\\n' "$labels" | head -n 1)
if [ "$BACKUP_SET" != "$oldest" ] && [ "$FORCE" != "y" ]; then
  echo "refusing to delete $BACKUP_SET: it is not the oldest backup of repo$REPO ($oldest)." >&2
  echo "Deleting a newer backup leaves a hole in the recovery window; set force: true to delete it anyway." >&2
  exit 1
fi
pgbackrest --stanza=${STANZA} --repo="$REPO" expire --set="$BACKUP_SET"
`;

/**
 * Deletes the oldest full backup of repo $REPO and every backup that depends on it with \`pgbackrest expire --oldest\`
 * (2.58). Refused when the repo holds a single full backup: pgBackRest keeps it, only warning, and the Job would
 * succeed having deleted nothing. Says which backups go, and checks afterwards that the full is gone. A script of its
 * own rather than a branch of EXPIRE_SCRIPT: a Job's pod template is immutable, so changing the script of
 * \`--set\` Jobs already applied would make every re-apply of them fail.
 */
export const EXPIRE_OLDEST_SCRIPT = `
labels=$(pgbackrest --stanza=${STANZA} --repo="$REPO" info --output=json | grep -o '"label":"[^"]*"' | sed 's/"label":"\\(.*\\)"/\\1/')
fulls=$(printf '%s\\n' "$labels" | grep -E '^[0-9]{8}-[0-9]{6}F$' || true)
count=$(printf '%s\\n' "$fulls" | grep -c . || true)
if [ "$count" -lt 2 ]; then
  echo "repo$REPO holds $count full backup(s): pgbackrest expire --oldest deletes the oldest full only while a newer one remains, so nothing would be deleted." >&2
  exit 1
fi
oldest=$(printf '%s\\n' "$fulls" | head -n 1)
echo "deleting the oldest full backup of repo$REPO and the backups that depend on it: $(printf '%s\\n' "$labels" | grep -E "^$oldest(_|$)" | tr '\\n' ' ')"
pgbackrest --stanza=${STANZA} --repo="$REPO" expire --oldest
if pgbackrest --stanza=${STANZA} --repo="$REPO" info --output=json | grep -q "\\"label\\":\\"$oldest\\""; then
  echo "backup $oldest is still in repo$REPO after expire --oldest; see pgBackRest's log above" >&2
  exit 1
fi
`;

/** Drops the recovery settings a pgBackRest restore appended to postgresql.auto.conf, once recovery is done. */
const FORGET_RESTORE_SETTINGS = 'sed -i \'/^# Recovery settings generated by pgBackRest restore/,$d\' "$PGDATA/postgresql.auto.conf"';

/** A new cluster's initdb, for both runtimes: checksums (pg_rewind and pgBackRest's page checks rely on them), peer and SCRAM. */
const INITDB_COMMAND = 'initdb -D "$PGDATA" --username="$SUPERUSER" --data-checksums --auth-local=peer --auth-host=scram-sha-256 $INITDB_OPTIONS';

/**
 * Starts PostgreSQL on a private socket ($1) with more server options ($2) and waits until recovery has reached its
 * target and promoted. A target the archive does not reach fails with PostgreSQL's own reason.
 */
const RECOVERY_FUNCTION = `
recover_privately() {
  local sock=$1 options=$2 log=/tmp/postgres-recovery.log
  mkdir -p "$sock"
  rm -f "$PGDATA/postmaster.pid"
  if ! pg_ctl start -D "$PGDATA" -l "$log" -w -t 3600 -o "$options -c listen_addresses= -c unix_socket_directories=$sock"; then
    cat "$log" >&2
    echo "recovery failed; see PostgreSQL's log above" >&2
    exit 1
  fi
  until [ "$(psql -h "$sock" -p "$PGPORT" -d postgres -XAtc 'select pg_is_in_recovery()')" = f ]; do
    if ! pg_ctl status -D "$PGDATA" >/dev/null; then
      cat "$log" >&2
      echo "recovery stopped before reaching its target; see PostgreSQL's log above" >&2
      exit 1
    fi
    sleep 1
  done
  psql -h "$sock" -p "$PGPORT" -d postgres -XAtc "select 'recovered to ' || pg_current_wal_lsn() || ' at ' || now()"
}
`;

/**
 * Restores a backup into a scratch volume and proves it usable: recovery reaches its target, PostgreSQL starts and
 * answers the check query. Nothing is archived from the copy (`--archive-mode=off`).
 */
export const RESTORE_CHECK_SCRIPT = `${NSS_WRAPPER_FUNCTION}${RECOVERY_FUNCTION}
rm -rf "$PGDATA"
pgbackrest --stanza=${STANZA} --repo="$REPO" --archive-mode=off restore "$@"
recover_privately /tmp/postgres-check "-c archive_mode=off"
echo "check query: $CHECK_QUERY"
psql -h /tmp/postgres-check -p "$PGPORT" -d "$CHECK_DATABASE" -XAt -v ON_ERROR_STOP=1 -c "$CHECK_QUERY"
pg_ctl stop -D "$PGDATA" -m fast -w
echo "restore check passed: repo$REPO is restorable"
`;

/**
 * Before a primary creates its database on an empty volume, asks the repos whether they hold this cluster already
 * (a lost PVC, a recreated namespace): one `pgbackrest info`, and each repo's status code decides.
 */
export const CHECK_REPOS_FUNCTION = `
# Sets rebuild=y when a repo holds backups of this cluster's stanza; returns when no repo has the stanza (a new
# cluster); fails, with the reason, when a repo cannot be read or has the stanza and no backup to restore. Only
# INITDB_OVER_EXISTING_STANZA=y (standalone.initdbOverExistingStanza) creates a new database anyway.
check_repos_before_create() {
  local out states state key code message backups="" stanza_only="" unreadable=""
  if ! out=$(pgbackrest --stanza=${STANZA} info --output=json 2>&1); then
    states=""
  else
    states=$(printf '%s' "$out" | grep -o '"key":[0-9]*,"status":{"code":[0-9]*,"message":"[^"]*"' || true)
  fi
  if [ -z "$states" ]; then
    unreadable=" (pgbackrest info failed: $out)"
  fi
  while IFS= read -r state; do
    [ -n "$state" ] || continue
    key=$(printf '%s' "$state" | sed 's/^"key":\\([0-9]*\\).*/\\1/')
    code=$(printf '%s' "$state" | sed 's/.*"code":\\([0-9]*\\).*/\\1/')
    message=$(printf '%s' "$state" | sed 's/.*"message":"\\(.*\\)"$/\\1/')
    case "$code" in
      0) backups="$backups repo$key" ;;
      1) ;; # missing stanza path: nothing of this cluster in this repo
      99) unreadable="$unreadable repo$key ($message)" ;;
      *) stanza_only="$stanza_only repo$key ($message)" ;;
    esac
  done <<< "$states"
  if [ "\${INITDB_OVER_EXISTING_STANZA:-n}" = y ] && [ -n "$backups$stanza_only$unreadable" ]; then
    echo "WARNING: the data volume is empty and the repos are not empty or not readable:\${backups:+ backups in$backups}\${stanza_only:+; stanza in$stanza_only}\${unreadable:+; unreadable:$unreadable}" >&2
    echo "WARNING: standalone.initdbOverExistingStanza is set: creating the database as configured anyway, NOT from the repos" >&2
    return 0
  fi
  if [ -n "$backups" ]; then
    echo "the data volume is empty and this cluster's stanza has backups in$backups"
    rebuild=y
    return 0
  fi
  if [ -n "$unreadable" ]; then
    echo "the data volume is empty, and whether the repos hold this cluster's data is unknown: cannot read$unreadable." >&2
    echo "Not creating a new database over what may be this cluster's backups. Make the repo reachable (the repo host, the store, the credentials); the pod retries." >&2
    exit 1
  fi
  if [ -n "$stanza_only" ]; then
    echo "the data volume is empty and this cluster's stanza exists in$stanza_only, with no backup to restore from." >&2
    echo "Not creating a new database over it: the stanza belongs to an earlier database of this cluster. Restore its data another way, or delete the stanza" >&2
    echo "(pgbackrest stanza-delete), or set standalone.initdbOverExistingStanza to create a new, empty database anyway." >&2
    exit 1
  fi
}
`;

/**
 * Prepares an instance's data directory before PostgreSQL starts:
 * - a new primary runs initdb, or restores the cluster it is created from; an empty volume on the primary first asks
 *   the repos: if the stanza has backups, the primary is rebuilt from them, and if a repo cannot be read or has the
 *   stanza without a backup, the container fails (no new database over existing backups, unless opted in);
 * - a replica (or a standby cluster's instance) restores the newest backup as a standby;
 * - an existing primary whose in-place restore id changed delta-restores, recovers to the target, then starts;
 * - a standby cluster's primary whose cluster is no longer a standby (\`standby\` removed from the code) is promoted.
 * A restore is recovered here, with PostgreSQL on a private socket, so a target the archive does not reach fails
 * this container with PostgreSQL's reason, and the main container starts a clean, promoted primary.
 */
export const BOOTSTRAP_SCRIPT = `${NSS_WRAPPER_FUNCTION}${RECOVERY_FUNCTION}${CHECK_REPOS_FUNCTION}
ordinal="\${POD_NAME##*-}"
marker=${DATA_MOUNT}/.ivory-restore-id
monitoring_marker=${DATA_MOUNT}/.ivory-monitoring-setup
mkdir -p ${INSTANCE_LOG_DIR} ${SPOOL_DIR} "$SOCKET_DIR"
chmod 0750 ${INSTANCE_PGBACKREST_DIR} ${INSTANCE_LOG_DIR} ${SPOOL_DIR}

recover() {
  recover_privately /tmp/postgres-bootstrap "-c config_file=$POSTGRES_CONFIG"
  psql -h /tmp/postgres-bootstrap -p "$PGPORT" -d postgres -Xqc "do \\$\\$ begin if not exists (select from pg_roles where rolname = 'replicator') then create role replicator with login replication; end if; end \\$\\$"
  # The restored catalog has whatever set-up its backup had: make it this one's.
  if [ -n "\${MONITORING_SETUP:-}" ]; then monitoring_setup_on /tmp/postgres-bootstrap; fi
  pg_ctl stop -D "$PGDATA" -m fast -w
  # The restore wrote its recovery settings here; the server now runs with the cluster's own.
  ${FORGET_RESTORE_SETTINGS}
}

# The exporter's role and the function it reads pgBackRest's info through (MONITORING_SQL), created by the superuser on
# the primary; replicas get them through replication. The marker on the data volume records which set-up ran.
monitoring_setup_on() {
  psql -h "$1" -p "$PGPORT" -d postgres -Xq -v ON_ERROR_STOP=1 -f "$MONITORING_SQL"
  echo "$MONITORING_SETUP" > "$monitoring_marker"
}

# On a private socket ($1: more server options), when the marker is not this set-up's: a new cluster, the exporter
# just turned on, or a set-up changed by an upgrade of the library.
monitoring_setup() {
  [ -n "\${MONITORING_SETUP:-}" ] || return 0
  [ "$(cat "$monitoring_marker" 2>/dev/null)" != "$MONITORING_SETUP" ] || return 0
  local sock=/tmp/postgres-monitoring log=/tmp/postgres-monitoring.log
  echo "setting up the exporter's role and pgBackRest info function ($MONITORING_SETUP)"
  mkdir -p "$sock"
  rm -f "$PGDATA/postmaster.pid"
  if ! pg_ctl start -D "$PGDATA" -l "$log" -w -t 3600 -o "$1 -c listen_addresses= -c unix_socket_directories=$sock"; then
    cat "$log" >&2
    echo "PostgreSQL did not start for the exporter's set-up; see its log above" >&2
    exit 1
  fi
  monitoring_setup_on "$sock"
  pg_ctl stop -D "$PGDATA" -m fast -w
}

standby_restore() {
  local deadline=$(( $(date +%s) + BACKUP_WAIT_SECONDS ))
  until pgbackrest --stanza=${STANZA} --repo="$STANDBY_REPO" info --output=json | grep -q '"label"'; do
    if [ "$(date +%s)" -ge "$deadline" ]; then
      echo "repo$STANDBY_REPO has no backup to create this replica from after \${BACKUP_WAIT_SECONDS}s" >&2
      exit 1
    fi
    echo "waiting for a backup in repo$STANDBY_REPO to create this replica from"
    sleep 10
  done
  pgbackrest --stanza=${STANZA} --repo="$STANDBY_REPO" --type=standby --target-timeline=latest restore $WAL_LINK_MAP
  # Replicas stream from the cluster's primary; a standby cluster's leader from the other cluster, if given.
  local conninfo="\${PRIMARY_CONNINFO:-}"
  if [ "$ordinal" = 0 ] && [ "$IS_PRIMARY_SET" = y ]; then conninfo="\${LEADER_CONNINFO:-}"; fi
  if [ -n "$conninfo" ]; then
    printf "primary_conninfo = '%s'\\n" "$conninfo" >> "$PGDATA/postgresql.auto.conf"
  fi
}

if [ -s "$PGDATA/PG_VERSION" ]; then
  if [ "$ordinal" = 0 ] && [ "$IS_PRIMARY_SET" = y ] && [ -n "\${RESTORE_ID:-}" ] && [ "$(cat "$marker" 2>/dev/null)" != "$RESTORE_ID" ]; then
    echo "in-place restore $RESTORE_ID from repo$RESTORE_REPO: delta restore of $PGDATA"
    rm -f "$PGDATA/postmaster.pid"
    pgbackrest --stanza=${STANZA} --repo="$RESTORE_REPO" --delta restore "$@"
    recover
    echo "$RESTORE_ID" > "$marker"
  fi
  # A standby cluster's primary, the cluster no longer a standby in code: promoted. Archive recovery to the end of
  # what the repos hold, then a new timeline (recovery.signal without a target), instead of replaying for ever.
  if [ "$ordinal" = 0 ] && [ "$IS_PRIMARY_SET" = y ] && [ "$BOOTSTRAP" != standby ] && [ -f "$PGDATA/standby.signal" ]; then
    echo "standby no longer configured: promoting this cluster (archive recovery to the end of the repos' WAL, then a new timeline)"
    mv "$PGDATA/standby.signal" "$PGDATA/recovery.signal"
    sed -i '/^primary_conninfo = /d' "$PGDATA/postgresql.auto.conf"
    recover
  fi
  if [ "$ordinal" = 0 ] && [ "$IS_PRIMARY_SET" = y ] && [ "$BOOTSTRAP" != standby ]; then
    monitoring_setup "-c config_file=$POSTGRES_CONFIG"
  fi
  exit 0
fi

# No PG_VERSION on the primary: a new cluster, or one whose data volume was lost (a deleted PVC, a recreated
# namespace) while its repos hold its data. The repos decide, before anything is created.
rebuild=n
if [ "$ordinal" = 0 ] && [ "$IS_PRIMARY_SET" = y ] && [ "$BOOTSTRAP" != standby ]; then
  check_repos_before_create
fi

# No PG_VERSION: nothing here is a cluster yet. A restore interrupted earlier may have left files; start over.
if [ "$BOOTSTRAP" != initdb ] || [ "$ordinal" != 0 ] || [ "$IS_PRIMARY_SET" != y ] || [ "$rebuild" = y ]; then
  rm -rf "$PGDATA"
fi

if [ "$rebuild" = y ]; then
  echo "rebuilding the primary from the newest backup in the repos, recovering to the end of the archived WAL"
  pgbackrest --stanza=${STANZA} restore $WAL_LINK_MAP
  recover
elif [ "$ordinal" = 0 ] && [ "$IS_PRIMARY_SET" = y ] && [ "$BOOTSTRAP" = initdb ]; then
  ${INITDB_COMMAND}
  postgres --single -D "$PGDATA" -c archive_mode=off postgres <<< "create role replicator with login replication;" >/dev/null
  monitoring_setup "-c config_file=$POSTGRES_CONFIG -c archive_mode=off"
elif [ "$ordinal" = 0 ] && [ "$IS_PRIMARY_SET" = y ] && [ "$BOOTSTRAP" = restore ]; then
  echo "creating the cluster from a backup"
  pgbackrest $RESTORE_CONFIG_ARGS --pg1-path="$PGDATA" restore "$@"
  recover
else
  standby_restore
fi
echo "\${RESTORE_ID:-}" > "$marker"
`;

/**
 * Runs a server as a child and stays with it until it exits, with its exit status:
 * - SIGTERM (the kubelet stopping the pod) reaches the server as $STOP_SIGNAL: for PostgreSQL SIGINT, its fast
 *   shutdown (open transactions rolled back, clients disconnected, a checkpoint), not the smart shutdown SIGTERM
 *   means to it, which waits for every client to leave and so ends in SIGKILL and crash recovery with pooled clients;
 * - every $WATCH_SECONDS, when a file in $WATCH_FILES (the mounted certificates, which the kubelet updates in place
 *   when cert-manager renews them) changed, the server gets SIGHUP: PostgreSQL reloads its TLS files and pgBackRest's
 *   server (2.58) its configuration and TLS files, without a restart.
 * Under Patroni, the server is Patroni: SIGTERM is its own graceful stop (PostgreSQL's fast shutdown, then the leader
 * lock released, so a replica takes over at once), and SIGHUP makes it re-read its files and reload PostgreSQL.
 */
const SUPERVISE_FUNCTION = `
watched_sum() {
  local f
  for f in $WATCH_FILES; do cat "$f" 2>/dev/null || echo "missing $f"; done | cksum
}

supervise() {
  sv_name=$1 sv_stopping=""
  "$@" &
  sv_child=$!
  trap 'sv_stopping=y; echo "SIGTERM: stopping $sv_name with SIG$STOP_SIGNAL"; kill -s "$STOP_SIGNAL" "$sv_child" 2>/dev/null || true' TERM
  sv_sum=$(watched_sum)
  while [ -z "$sv_stopping" ] && kill -0 "$sv_child" 2>/dev/null; do
    sleep "$WATCH_SECONDS" &
    sv_sleeper=$!
    wait -n "$sv_child" "$sv_sleeper" || true
    kill "$sv_sleeper" 2>/dev/null || true
    [ -z "$sv_stopping" ] || break
    sv_now=$(watched_sum)
    if [ "$sv_now" != "$sv_sum" ]; then
      echo "$(date -u +%FT%TZ) certificates or configuration changed: reloading $sv_name (SIGHUP)"
      kill -s HUP "$sv_child" 2>/dev/null || true
      sv_sum=$sv_now
    fi
    # A script may have more to do beside its server each round (PATRONI_SCRIPT applies the DCS configuration).
    if declare -F sv_tick >/dev/null; then sv_tick; fi
  done
  sv_rc=0
  wait "$sv_child" || sv_rc=$?
  # A second signal interrupts wait with 128+signal: wait again for the server's own status.
  while kill -0 "$sv_child" 2>/dev/null; do sv_rc=0; wait "$sv_child" || sv_rc=$?; done
  exit "$sv_rc"
}
`;

/** The database container: PostgreSQL under `supervise` ("$@": its arguments). */
export const DATABASE_SCRIPT = `${SUPERVISE_FUNCTION}
supervise postgres "$@"
`;

/** The pgBackRest TLS server beside PostgreSQL (and on the repo host) under `supervise`. */
export const PGBACKREST_SERVER_SCRIPT = `${SUPERVISE_FUNCTION}
supervise pgbackrest server
`;

/** Which Patroni cluster (scope) a member's data belongs to: written by PATRONI_CALLBACK_SCRIPT when Patroni starts it. */
const SCOPE_MARKER = `${DATA_MOUNT}/.ivory-patroni-scope`;
/** Where a member's data waits for an in-place restore's delta restore, out of Patroni's sight (same volume). */
const RESTORE_PENDING = '"$PGDATA.restore-pending"';

/**
 * Puts the data set aside for an in-place restore (only PREPARE_SCRIPT sets it aside, for one) back in place, for a
 * delta restore into it; the data directory exists afterwards either way.
 */
const TAKE_BACK_PENDING = `if [ -d ${RESTORE_PENDING} ]; then
  rm -rf "$PGDATA"
  mv ${RESTORE_PENDING} "$PGDATA"
  echo "in-place restore $RESTORE_ID: delta restore into this member's earlier data"
fi
install -d -m 0700 "$PGDATA"`;

/**
 * The init container of a Patroni-run instance: the pod's passwd entry and pgBackRest's directories. Everything else
 * (creating the cluster, creating a replica, rejoining) is Patroni's, with the scripts below.
 *
 * An in-place restore is a new Patroni cluster ($HA_SCOPE, of the restore id) on the members' volumes: data that
 * belongs to another one is set aside (renamed, not removed), so that Patroni sees an empty data directory. The first
 * member to start races for the new cluster's creation and runs its bootstrap, a delta restore of its earlier data to
 * the target; the others become its replicas by a delta restore of theirs. None rejoins the cluster state from before
 * the restore (leader, last position, timeline history), which would keep a restored primary from leading. Data of a
 * restore's cluster under a configuration without that restore (inPlaceRestore removed from the code) is refused: it
 * would join the state from before the restore.
 */
export const PREPARE_SCRIPT = `${NSS_WRAPPER_FUNCTION}
mkdir -p ${INSTANCE_LOG_DIR} ${SPOOL_DIR} "$PGHOST"
chmod 0750 ${INSTANCE_PGBACKREST_DIR} ${INSTANCE_LOG_DIR} ${SPOOL_DIR}
if [ -s "$PGDATA/PG_VERSION" ]; then
  # Data from before the marker was kept belongs to the cluster's first Patroni cluster.
  belongs=$(cat ${SCOPE_MARKER} 2>/dev/null || echo "$HA_BASE_SCOPE")
  if [ "$belongs" != "$HA_SCOPE" ]; then
    if [ -z "\${RESTORE_ID:-}" ]; then
      echo "this member's data belongs to Patroni cluster $belongs, which an in-place restore created; this configuration runs" >&2
      echo "$HA_SCOPE, whose state is from before that restore. Keep the in-place restore (its restoreId) in the cluster's code:" >&2
      echo "a later in-place restore takes a new restoreId." >&2
      exit 1
    fi
    rm -rf ${RESTORE_PENDING}
    mv "$PGDATA" ${RESTORE_PENDING}
    echo "in-place restore $RESTORE_ID: this member's data (Patroni cluster $belongs) is set aside for a delta restore; the member joins $HA_SCOPE"
  fi
fi
`;

/**
 * Patroni's custom bootstrap (\`bootstrap.method\`), run once per cluster by the member that wins the race to create it,
 * with an empty data directory and PostgreSQL stopped:
 * - a clone restores its source's backup ("$@": the restore's arguments) and recovers to the target;
 * - an in-place restore delta-restores the data this member had (set aside by PREPARE_SCRIPT) and recovers to the
 *   target ("$@" again);
 * - otherwise the repos decide (CHECK_REPOS_FUNCTION): a cluster whose volumes were all lost is rebuilt from its
 *   newest backup and every archived WAL; a new one is created by initdb; an unreadable repo, or a stanza without a
 *   backup, fails this bootstrap (Patroni retries) rather than create a new database over it.
 * Recovery runs here, archiving on (the new timeline's history file must reach the repos), on a private socket, so a
 * target the archive does not reach fails with PostgreSQL's reason. Patroni then starts the promoted primary with the
 * cluster's configuration and creates the replication role.
 */
export const PATRONI_BOOTSTRAP_SCRIPT = `${RECOVERY_FUNCTION}${CHECK_REPOS_FUNCTION}
recover() {
  recover_privately /tmp/postgres-bootstrap "-c archive_mode=on -c archive_command='$ARCHIVE_COMMAND'"
  pg_ctl stop -D "$PGDATA" -m fast -w
  # The restore wrote its recovery settings here; Patroni writes each member's own.
  ${FORGET_RESTORE_SETTINGS}
}

# An in-place restore is of a member's data (set aside by PREPARE_SCRIPT). A cluster whose volumes are all empty under
# a restore's configuration (a namespace recreated long after the restore) is rebuilt from the repos to the end of the
# archive below, as without one: the restore's target is in its past.
if [ -n "\${RESTORE_ID:-}" ] && [ -d ${RESTORE_PENDING} ]; then
  ${TAKE_BACK_PENDING}
  echo "in-place restore $RESTORE_ID from repo$RESTORE_REPO: creating Patroni cluster $HA_SCOPE"
  pgbackrest --stanza=${STANZA} --repo="$RESTORE_REPO" --delta restore $WAL_LINK_MAP "$@"
  recover
  exit 0
fi
rm -rf "$PGDATA"
if [ -n "\${RESTORE_CONFIG_ARGS:-}" ]; then
  echo "creating the cluster from a backup"
  pgbackrest $RESTORE_CONFIG_ARGS --pg1-path="$PGDATA" restore $WAL_LINK_MAP "$@"
  recover
  exit 0
fi
rebuild=n
check_repos_before_create
if [ "$rebuild" = y ]; then
  echo "rebuilding the cluster from the newest backup in the repos, recovering to the end of the archived WAL"
  pgbackrest --stanza=${STANZA} restore $WAL_LINK_MAP
  recover
else
  ${INITDB_COMMAND}
fi
`;

/**
 * Patroni's \`pgbackrest\` replica creation method: a standby restore of the replica repo's newest backup that the
 * latest timeline descends from, by delta into whatever the data directory holds (a failed member keeps most of its
 * files; after an in-place restore, the data set aside), then streaming from the leader. After a restore to an
 * earlier point, the newest backups are of the timeline it left: pgBackRest refuses those ("not in the history"),
 * and older ones are tried. While the repo has no such backup it fails, and Patroni takes a base backup from the
 * leader instead.
 */
export const CREATE_REPLICA_SCRIPT = `
${TAKE_BACK_PENDING}
labels=$(pgbackrest $REPLICA_INFO_ARGS info --output=json | grep -o '"label":"[^"]*"' | sed 's/"label":"\\(.*\\)"/\\1/' | tac)
for label in $labels; do
  if out=$(pgbackrest $REPLICA_RESTORE_ARGS --set="$label" restore 2>&1); then
    printf '%s\\n' "$out"
    echo "replica created from backup $label"
    exit 0
  fi
  printf '%s\\n' "$out" >&2
  # Another reason than the timeline: not worth older backups.
  case "$out" in *"is not in the history of target timeline"*|*"forked from backup timeline"*) ;; *) exit 1 ;; esac
  echo "backup $label is not in the latest timeline's history: trying an older one" >&2
done
echo "no backup in the repo to create this replica from" >&2
exit 1
`;

/**
 * Patroni's callback on start and on a role change ($1 action, $2 role, $3 scope), on the primary once it takes writes:
 * - promoted (on_role_change): a WAL switch, so the new timeline's first segment, which holds the point where the old
 *   timeline ended, is archived at once. Until it is, a replica created from the repo reads that segment of the old
 *   timeline instead, and an old primary that comes back may have archived it whole, with its WAL beyond that point:
 *   the replica would replay it and never stream from the new primary;
 * - the exporter's role and pgBackRest info function (MONITORING_SQL) when this data directory has not had this
 *   set-up yet. Replicas get them by replication.
 */
export const PATRONI_CALLBACK_SCRIPT = `
# Whatever the role: the data of a member Patroni runs belongs to this Patroni cluster (PREPARE_SCRIPT reads it).
[ "$1" != on_start ] || echo "$3" > ${SCOPE_MARKER}
case "$2" in primary|master) ;; *) exit 0 ;; esac
marker=${DATA_MOUNT}/.ivory-monitoring-setup
setup=n
if [ -n "\${MONITORING_SETUP:-}" ] && [ "$(cat "$marker" 2>/dev/null)" != "$MONITORING_SETUP" ]; then setup=y; fi
[ "$1" = on_role_change ] || [ "$setup" = y ] || exit 0
for _ in $(seq 120); do
  [ "$(psql -d postgres -XAtc 'select pg_catalog.pg_is_in_recovery()' 2>/dev/null)" != f ] || break
  sleep 1
done
if [ "$1" = on_role_change ]; then
  echo "promoted: switching WAL so the new timeline's first segment reaches the repos now: $(psql -d postgres -XAtc 'select pg_catalog.pg_walfile_name(pg_catalog.pg_switch_wal())')"
fi
[ "$setup" = y ] || exit 0
echo "setting up the exporter's role and pgBackRest info function ($MONITORING_SETUP)"
psql -d postgres -Xq -v ON_ERROR_STOP=1 -f "$MONITORING_SQL"
echo "$MONITORING_SETUP" > "$marker"
`;

/**
 * The database container of a Patroni-run instance: Patroni under \`supervise\`, which also applies the cluster's
 * dynamic configuration ($DYNAMIC_CONFIG, Patroni's DCS document as rendered) whenever it differs from what this
 * container last applied, with \`patronictl edit-config --replace\` (what IVYO's operator does): parameters, HBA
 * rules, timings, synchronous mode and maintenance mode changed in code reach the running cluster. Until the cluster
 * exists there is nothing to apply it to: \`bootstrap.dcs\` carries the same document.
 */
export const PATRONI_SCRIPT = `${SUPERVISE_FUNCTION}
dcs_applied="" dcs_error=""
sv_tick() {
  local sum out
  sum=$(cksum < "$DYNAMIC_CONFIG")
  [ "$sum" != "$dcs_applied" ] || return 0
  if out=$(patronictl edit-config --replace "$DYNAMIC_CONFIG" --force --quiet 2>&1); then
    dcs_applied=$sum dcs_error=""
    echo "$(date -u +%FT%TZ) dynamic configuration in step with $DYNAMIC_CONFIG"
  elif [ "$out" != "$dcs_error" ]; then
    dcs_error=$out
    echo "$(date -u +%FT%TZ) applying $DYNAMIC_CONFIG: not yet ($out); retrying" >&2
  fi
}
supervise patroni "$@"
`;
