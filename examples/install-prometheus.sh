#!/bin/sh
# Install Debian's Prometheus server and promtool for the tests that run them
# (tests/test_prometheus_server.py, tests/test_prometheus_exposition.py).
# Idempotent: does nothing when both are there. The Debian service is never started:
# the tests start their own server on a free loopback port.
set -eu
if [ -x /usr/bin/prometheus ] && [ -x /usr/bin/promtool ]; then
    echo "install-prometheus: prometheus and promtool are already installed"
    exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
# no service started by the package's scripts (policy-rc.d answers "not allowed" to invoke-rc.d)
if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
    $SUDO chmod +x /usr/sbin/policy-rc.d
    trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
fi
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends prometheus
/usr/bin/prometheus --version | head -1
/usr/bin/promtool --version | head -1
