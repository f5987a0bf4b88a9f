#!/usr/bin/env bash
# Runs rtmalloc's JMH benchmarks (module rtmalloc-bench) on a JDK 25: every
# workload for each rtmalloc front end beside the alternatives (glibc, tcmalloc,
# jemalloc and mimalloc through FFM, Netty's allocators, the JDK's arenas),
# prints JMH's own output as it goes, then ns/op with each score's ratio to glibc's
# malloc/free through FFM and the footprint, and writes JMH's JSON and PNG charts.
#   ./bench.sh                 quick profile, a couple of minutes: one size per workload
#   ./bench.sh --full          every workload, size and allocator, 2 forks (about 1.5 hours)
#   ./bench.sh --smoke         every benchmark and allocator once, in seconds (CI: proves they run)
#   ./bench.sh --no-build ...  reuse rtmalloc-bench/target/benchmarks.jar as it is
# Any other argument goes to JMH and wins over the profile; a regex picks workloads, e.g.
#   ./bench.sh churn -p allocator=libc_ffm,rtmalloc_percpu -p size=256 -f 2
# Results go to rtmalloc-bench/target/bench: results.json (JMH's, footprint included), *.png.
# tcmalloc, jemalloc and mimalloc are used when their shared libraries are
# installed (Debian: libtcmalloc-minimal4 libjemalloc2 libmimalloc2.0) and
# skipped, with the reason, when not.
set -euo pipefail
cd "$(dirname "$0")"

# Sets JAVA_HOME and PATH to a JDK 25 (or exits with a message when there is none).
. scripts/jdk25.sh

profile=--quick
build=1
jmh=()
for arg in "$@"; do
  case "$arg" in
    --quick|--full|--smoke) profile=$arg ;;
    --no-build) build=0 ;;
    -h|--help)
      sed -n '2,17s/^# \{0,1\}//p' "$0"
      [ -f rtmalloc-bench/target/benchmarks.jar ] || exit 0
      echo
      build=0; profile=; jmh=(-h); break ;;
    *) jmh+=("$arg") ;;
  esac
done

jar=rtmalloc-bench/target/benchmarks.jar
if [ "$build" = 1 ]; then
  echo "Building $jar ..."
  ./build.sh -q -DskipTests -DskipITs package -pl rtmalloc-bench -am
elif [ ! -f "$jar" ]; then
  echo "$jar is missing: run ./bench.sh without --no-build once." >&2
  exit 1
fi

# Debian's jemalloc uses static TLS that a library opened at run time can only get
# when glibc reserves more of it at start-up; the benchmark JVMs inherit this.
case "${GLIBC_TUNABLES:-}" in
  *glibc.rtld.optional_static_tls=*) ;;
  *) export GLIBC_TUNABLES="${GLIBC_TUNABLES:+$GLIBC_TUNABLES:}glibc.rtld.optional_static_tls=16384" ;;
esac

args=()
[ -n "$profile" ] && args+=("$profile" --out rtmalloc-bench/target/bench)
# The benchmarks call restricted FFM methods; the memory-access option only silences
# JDK 25's warning about JMH's own use of the deprecated Unsafe class; Apache Arrow reads java.nio internals
# (the forks get all three from Main too).
exec java --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow \
  --add-opens=java.base/java.nio=ALL-UNNAMED -Xmx1g \
  -cp "$jar" io.rtmalloc.bench.Main "${args[@]}" "${jmh[@]}"
