#!/usr/bin/env bash
# Fetches the Hazelcast member jar from Maven Central into .cache/hazelcast/, once.
# The version matches hazelcast-client's minor version (see README).
set -euo pipefail
version="${HAZELCAST_VERSION:-5.6.0}"
root="$(cd "$(dirname "$0")/.." && pwd)"
dest="$root/.cache/hazelcast"
jar="$dest/hazelcast.jar"
if [ -f "$jar" ] && [ "$(cat "$dest/VERSION" 2>/dev/null)" = "$version" ]; then
  exit 0
fi
mkdir -p "$dest"
mvn -q -B dependency:copy -Dartifact="com.hazelcast:hazelcast:$version" -DoutputDirectory="$dest" -Dmdep.overWriteIfNewer=true
mv "$dest/hazelcast-$version.jar" "$jar"
echo "$version" > "$dest/VERSION"
echo "hazelcast $version: $jar"
