#!/usr/bin/env bash
# Installs what the end-to-end tests need when it is missing, and builds the engine: IvorySQL 5.4 and pgBackRest
# 2.58.0 from ../shared/vendor as the images build them (build-engine.sh, cached outside the clone); bubblewrap for
# the pod sandboxes, iproute2 for their networks, nss_wrapper and the en_US.UTF-8 locale as the IvorySQL image has
# them, openssl for certificates, Chromium to render the backup plan timeline, and the storage emulators (npm).
# Idempotent and quiet when everything is there. Set E2E=0 to skip (the unit tests need none of this).
set -euo pipefail
cd "$(dirname "$0")/../.."

if [ "${E2E:-1}" = "0" ]; then exit 0; fi

# prometheus (with promtool) and prometheus-postgres-exporter: the alert rules are checked and tested with promtool, and
# a real Prometheus scrapes the real exporter in the end-to-end suite.
packages=(bubblewrap iproute2 libnss-wrapper locales openssl util-linux chromium prometheus prometheus-postgres-exporter)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "ensure-tools: installing Debian packages: ${missing[*]}"
  if [ "$(id -u)" != 0 ]; then echo "ensure-tools: root is needed to install packages" >&2; exit 1; fi
  export DEBIAN_FRONTEND=noninteractive
  # The packages' init scripts would start daemons (Prometheus on :9090); the tests start their own. A policy-rc.d
  # that refuses is the Debian way to install without starting services; one already there is left alone.
  own_policy=
  if [ ! -e /usr/sbin/policy-rc.d ]; then printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod 0755 /usr/sbin/policy-rc.d; own_policy=1; fi
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  if [ -n "$own_policy" ]; then rm -f /usr/sbin/policy-rc.d; fi
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
