#!/usr/bin/env bash
# Installs what the end-to-end tests need when it is missing: PostgreSQL 15 and pgBackRest (Debian), bubblewrap
# for the pod sandboxes, iproute2 for their networks, openssl for certificates, Chromium to render the backup plan
# timeline, and the storage emulators (npm).
# Idempotent and quiet when everything is there. Set E2E=0 to skip (the unit tests need none of this).
set -euo pipefail
cd "$(dirname "$0")/../.."

if [ "${E2E:-1}" = "0" ]; then exit 0; fi

missing=()
for tool in pgbackrest bwrap ip openssl setpriv nsenter; do command -v "$tool" >/dev/null || missing+=("$tool"); done
[ -x /usr/lib/postgresql/15/bin/postgres ] || missing+=(postgresql-15)
[ -x /usr/bin/chromium ] || missing+=(chromium)
if [ ${#missing[@]} -gt 0 ]; then
  echo "ensure-tools: installing Debian packages for: ${missing[*]}"
  if [ "$(id -u)" != 0 ]; then echo "ensure-tools: root is needed to install packages" >&2; exit 1; fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends postgresql-15 postgresql-client-15 pgbackrest bubblewrap iproute2 openssl util-linux \
    chromium >/dev/null
fi

# Debian starts a cluster on 5432 when the package is installed; the tests never use it.
if command -v pg_lsclusters >/dev/null && pg_lsclusters -h 2>/dev/null | grep -q online; then
  pg_ctlcluster 15 main stop >/dev/null 2>&1 || true
fi

emulators=test/emulators
if [ ! -f "$emulators/node_modules/.installed" ] || [ "$emulators/package-lock.json" -nt "$emulators/node_modules/.installed" ]; then
  echo "ensure-tools: installing the storage emulators (s3rver, Azurite)"
  (cd "$emulators" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  touch "$emulators/node_modules/.installed"
fi
