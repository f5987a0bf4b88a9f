#!/usr/bin/env bash
# Builds a runtime image of the example with jlink, from the jars in
# examples/target/modules (./build.sh -q package -DskipTests makes them):
#   examples/jlink.sh && examples/target/image/bin/choose-front-end percpu
#
# Every module there is an explicit module and io.rtmalloc.api needs only
# java.base, so jlink links them as they are, with the native-access flag built in.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here/.."
. scripts/jdk25.sh
modules="$here/target/modules"
image="$here/target/image"
[ -d "$modules" ] || { echo "no $modules: run ./build.sh -q package -DskipTests first" >&2; exit 1; }
rm -rf "$image"
jlink --module-path "$modules" \
      --add-modules io.rtmalloc.examples,io.rtmalloc.pageheap,io.rtmalloc.central,io.rtmalloc.global,io.rtmalloc.threadcache,io.rtmalloc.percpu \
      --add-options=--enable-native-access=io.rtmalloc.api,io.rtmalloc.pageheap,io.rtmalloc.percpu \
      --launcher choose-front-end=io.rtmalloc.examples/io.rtmalloc.examples.ChooseFrontEnd \
      --no-header-files --no-man-pages --strip-debug \
      --output "$image"
echo "$image"
