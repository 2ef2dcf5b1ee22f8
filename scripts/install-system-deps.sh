#!/usr/bin/env bash
# Installs the Debian packages Ravel's tests and benchmarks use, when missing:
# nats-server (the bus in cluster tests), qemu-utils (qemu-img makes test images),
# wrk (HTTP load in benchmarks), Java 17 and Maven (the Hazelcast member), chromium (the
# console's browser test; about a minute to install).
set -euo pipefail
need=()
command -v nats-server >/dev/null || need+=(nats-server)
command -v qemu-img >/dev/null || need+=(qemu-utils)
command -v wrk >/dev/null || need+=(wrk)
command -v java >/dev/null || need+=(openjdk-17-jre-headless)
command -v mvn >/dev/null || need+=(maven)
command -v chromium >/dev/null || need+=(chromium)
if [ ${#need[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
echo "system packages: nats-server $(nats-server --version | awk '{print $2}'), $(qemu-img --version | head -1), java $(java -version 2>&1 | head -1), $(chromium --version 2>/dev/null | head -1)"
