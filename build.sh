#!/usr/bin/env bash
# Runs Maven on a JDK 25, found on its own: $JAVA_HOME when it is a JDK 25 or
# newer, else the newest JDK >= 25 under /usr/lib/jvm. Every argument goes to Maven.
#   ./build.sh verify        build and run the whole test suite
#   ./build.sh -q package -DskipTests -DskipITs
set -euo pipefail
cd "$(dirname "$0")"

# Sets JAVA_HOME and PATH to a JDK 25 (or exits with a message when there is none).
. scripts/jdk25.sh

command -v mvn >/dev/null 2>&1 || { echo "rtmalloc builds with Apache Maven (3.8 or newer): 'mvn' is not on PATH." >&2; exit 1; }
# Maven 3.8's bundled guava touches sun.misc.Unsafe; JDK 25 would warn about it on every run.
export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
batch=()
[ -n "${CI:-}" ] && batch=(-B -ntp)
exec mvn "${batch[@]}" "$@"
