# Sourced by build.sh and bench.sh: selects a JDK 25 or newer and exports
# JAVA_HOME and PATH for it. $JAVA_HOME is kept when it is a JDK 25 or newer,
# else the newest JDK >= 25 under /usr/lib/jvm is taken. With none, it prints
# why and exits the sourcing script with status 1.

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
