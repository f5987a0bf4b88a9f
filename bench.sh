#!/usr/bin/env bash
# Runs rtmalloc's JMH benchmarks (module rtmalloc-bench) on a JDK 25 and prints
# a table of ns/op with each score's ratio to libc's malloc/free through FFM.
#   ./bench.sh                 quick profile, about two minutes
#   ./bench.sh --full          3 forks, 5 x 2 s warmup, 5 x 2 s measurement
#   ./bench.sh --smoke         every benchmark once, in a few seconds (CI: proves they run)
#   ./bench.sh --no-build ...  reuse rtmalloc-bench/target/benchmarks.jar as it is
# Any other argument goes to JMH and wins over the profile, e.g.
#   ./bench.sh 'MallocFreePair.(rtmalloc_global|libc_ffm)$' -p size=64 -f 2
# JMH's JSON result is kept in rtmalloc-bench/target/bench/results.json.
set -euo pipefail
cd "$(dirname "$0")"

# Sets JAVA_HOME and PATH to a JDK 25 (or exits with a message when there is none).
. scripts/jdk25.sh

profile=--quick
build=1
result=1
jmh=()
for arg in "$@"; do
  case "$arg" in
    --quick|--full|--smoke) profile=$arg ;;
    --no-build) build=0 ;;
    -h|--help)
      sed -n '2,10s/^# \{0,1\}//p' "$0"
      [ -f rtmalloc-bench/target/benchmarks.jar ] || exit 0
      echo
      build=0; profile=; jmh=(-h); break ;;
    *)
      case "$arg" in -rf|-rff) result=0 ;; esac
      jmh+=("$arg") ;;
  esac
done

jar=rtmalloc-bench/target/benchmarks.jar
if [ "$build" = 1 ]; then
  echo "Building $jar ..."
  ./build.sh -q -DskipTests -DskipITs package -pl rtmalloc-bench -am
elif [ ! -f "$jar" ] && [ -n "$profile" ]; then
  echo "$jar is missing: run ./bench.sh without --no-build once." >&2
  exit 1
fi

out=rtmalloc-bench/target/bench
args=()
[ -n "$profile" ] && args+=("$profile")
if [ "$result" = 1 ] && [ -n "$profile" ]; then
  mkdir -p "$out"
  args+=(-rf json -rff "$out/results.json")
fi
# The benchmarks call restricted FFM methods; the Unsafe option only silences JDK 25's
# warning about JMH's own use of sun.misc.Unsafe (the forks get both from Main too).
exec java --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow -Xmx1g -cp "$jar" io.rtmalloc.bench.Main "${args[@]}" "${jmh[@]}"
