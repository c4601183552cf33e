#!/usr/bin/env bash
# Installs the Debian packages the tests and benchmarks need, if any are missing.
# Runs apt only when something is missing; needs root for that (CI runs as root).
set -euo pipefail

packages=(
  chromium            # browser tests (Playwright drives /usr/bin/chromium)
  tigervnc-standalone-server  # Xvnc: a real VNC server behind simulated consoles
  x11vnc xvfb xterm   # a second real VNC server and something to draw
  qemu-system-x86 qemu-system-data seabios ipxe-qemu  # QEMU: the VNC server of HVM consoles, for the RFB client
  redis-server        # the shared session store for several gateway instances
  nginx-light         # the load balancer in the scale-out test
  websockify          # the peer measured by `npm run bench`
  openssl python3     # simulator certificates; the independent XML-RPC client
  systemd             # systemd-analyze verify checks deploy/xwc-gateway.service
)

missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "Installing system packages: ${missing[*]}" >&2
if [ "$(id -u)" -ne 0 ]; then
  echo "Not root: install them with: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
