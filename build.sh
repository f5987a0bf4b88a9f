#!/usr/bin/env bash
# Runs Maven on a JDK 25, found on its own: $JAVA_HOME when it is a JDK 25 or
# newer, else the newest JDK >= 25 under /usr/lib/jvm. Every argument goes to Maven.
#   ./build.sh verify        build and run the whole test suite
#   ./build.sh -q package -DskipTests -DskipITs
set -euo pipefail
cd "$(dirname "$0")"

java_major() { # prints the feature version of the JDK at $1, or nothing
  local rel="$1/release" v
  [ -f "$rel" ] || return 0
  v=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$rel")
  [ -n "$v" ] && echo "$v"
  return 0
}

pick_jdk() {
  if [ -n "${JAVA_HOME:-}" ] && [ "$(java_major "$JAVA_HOME")" -ge 25 ] 2>/dev/null; then
    echo "$JAVA_HOME"; return
  fi
  local best="" best_v=0 d v
  for d in /usr/lib/jvm/*/; do
    d=${d%/}
    v=$(java_major "$d")
    if [ -n "$v" ] && [ "$v" -ge 25 ] && [ "$v" -gt "$best_v" ] && [ -x "$d/bin/javac" ]; then
      best=$d; best_v=$v
    fi
  done
  echo "$best"
}

jdk=$(pick_jdk)
if [ -z "$jdk" ]; then
  echo "rtmalloc needs a JDK 25 or newer: JAVA_HOME (${JAVA_HOME:-unset}) is not one and none was found under /usr/lib/jvm." >&2
  echo "Install a JDK 25 and set JAVA_HOME to it." >&2
  exit 1
fi
export JAVA_HOME="$jdk"
export PATH="$JAVA_HOME/bin:$PATH"

command -v mvn >/dev/null 2>&1 || { echo "rtmalloc builds with Apache Maven (3.8 or newer): 'mvn' is not on PATH." >&2; exit 1; }
# Maven 3.8's bundled guava touches sun.misc.Unsafe; JDK 25 would warn about it on every run.
export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
batch=()
[ -n "${CI:-}" ] && batch=(-B -ntp)
exec mvn "${batch[@]}" "$@"
