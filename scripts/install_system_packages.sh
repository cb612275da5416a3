#!/usr/bin/env bash
# System packages the project needs besides Python: npm (installs the web chat
# widget's Socket.IO client and the browser-test tools from package-lock.json),
# Chromium, which the tests use headless to open the usage report and to drive
# the chat widget (tests/browser/), and nginx, the load balancer in front of
# the bot replicas of the production profile (STUDYBOTS_PROFILE=production).
# Installs with apt-get when missing and we may (root, or passwordless sudo);
# otherwise prints how to install them and goes on: without npm, make install
# then stops with a message; without Chromium the bots run, and the browser
# tests fail under CI=true and are skipped elsewhere.
set -euo pipefail

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx)
command -v npm >/dev/null 2>&1 || missing+=(npm)
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
    SUDO=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO=(sudo -n)
else
    echo "note: ${missing[*]} not installed (npm: the web widget; chromium: browser tests;" \
         "nginx: the production profile's load balancer);" \
         "install with: sudo apt-get install -y ${missing[*]}" >&2
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "note: no apt-get here; install ${missing[*]} yourself (web widget, browser tests)" >&2
    exit 0
fi

echo "installing system packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Package lists may be missing or stale on a fresh machine: update and retry once.
install() { "${SUDO[@]}" apt-get install -y --no-install-recommends "${missing[@]}"; }
install || { "${SUDO[@]}" apt-get update && install; }
