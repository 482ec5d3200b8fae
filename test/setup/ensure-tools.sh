#!/usr/bin/env bash
# Installs what the end-to-end tests need when it is missing, and builds the engine: IvorySQL 5.4 and pgBackRest
# 2.58.0 from ../shared/vendor as the images build them (build-engine.sh, cached outside the clone); bubblewrap for
# the pod sandboxes, iproute2 for their networks, nss_wrapper and the en_US.UTF-8 locale as the IvorySQL image has
# them, openssl for certificates, Chromium to render the backup plan timeline, Prometheus and postgres_exporter for the
# backup metrics and alerts, and the storage emulators (npm).
# Idempotent and quiet when everything is there. Set E2E=0 to skip (the unit tests need none of this).
set -euo pipefail
cd "$(dirname "$0")/../.."

if [ "${E2E:-1}" = "0" ]; then exit 0; fi

# prometheus (the server and promtool) and prometheus-postgres-exporter: the monitoring suite's Prometheus, and the
# exporter every instance pod runs in place of the exporter image's.
packages=(bubblewrap iproute2 libnss-wrapper locales openssl util-linux chromium prometheus prometheus-postgres-exporter)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "ensure-tools: installing Debian packages: ${missing[*]}"
  if [ "$(id -u)" != 0 ]; then echo "ensure-tools: root is needed to install packages" >&2; exit 1; fi
  export DEBIAN_FRONTEND=noninteractive
  # Debian starts a package's daemon when it is installed (prometheus on :9090, the exporter on :9187) unless
  # policy-rc.d refuses: the tests start their own, on ports of their own. Refuse for the install only.
  policy=/usr/sbin/policy-rc.d
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod 755 "$policy"
    trap 'rm -f "$policy"' EXIT
  fi
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The IvorySQL image runs with LC_ALL=en_US.utf-8 (glibc's English langpack); initdb takes its locale from it.
if ! locale -a 2>/dev/null | grep -qi '^en_US\.utf8$'; then
  echo "ensure-tools: generating the en_US.UTF-8 locale"
  sed -i 's/^# *\(en_US.UTF-8 UTF-8\)/\1/' /etc/locale.gen
  grep -q '^en_US.UTF-8 UTF-8' /etc/locale.gen || echo 'en_US.UTF-8 UTF-8' >> /etc/locale.gen
  locale-gen >/dev/null
fi

bash test/setup/build-engine.sh

emulators=test/emulators
if [ ! -f "$emulators/node_modules/.installed" ] || [ "$emulators/package-lock.json" -nt "$emulators/node_modules/.installed" ]; then
  echo "ensure-tools: installing the storage emulators (s3rver, Azurite)"
  (cd "$emulators" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  touch "$emulators/node_modules/.installed"
fi
