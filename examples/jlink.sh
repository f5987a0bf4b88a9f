#!/usr/bin/env bash
# Builds a runtime image of the example with jlink, from the jars in
# examples/target/modules (./build.sh -q package -DskipTests makes them):
#   examples/jlink.sh && examples/target/image/bin/choose-front-end percpu
#
# jlink refuses automatic modules, and tomlj 2.2.0 (which rtmalloc-api requires)
# is one: its jar has an Automatic-Module-Name but no module descriptor. So this
# script gives a copy of it a descriptor first, written by jdeps and compiled
# against the jar, then links the image with the native-access flag built in.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here/.."
. scripts/jdk25.sh
modules="$here/target/modules"
work="$here/target/jlink"
image="$here/target/image"
[ -d "$modules" ] || { echo "no $modules: run ./build.sh -q package -DskipTests first" >&2; exit 1; }
rm -rf "$work" "$image"
mkdir -p "$work/mods" "$work/classes"
cp "$modules"/*.jar "$work/mods/"
tomlj="$(ls "$work"/mods/tomlj-*.jar)"
jdeps --ignore-missing-deps --generate-module-info "$work/gen" "$tomlj" >/dev/null
javac --patch-module org.tomlj="$tomlj" -d "$work/classes" "$work/gen/org.tomlj/module-info.java"
jar --update --file "$tomlj" -C "$work/classes" module-info.class
jlink --module-path "$work/mods" \
      --add-modules io.rtmalloc.examples,io.rtmalloc.pageheap,io.rtmalloc.central,io.rtmalloc.global,io.rtmalloc.threadcache,io.rtmalloc.percpu \
      --add-options=--enable-native-access=io.rtmalloc.api,io.rtmalloc.pageheap,io.rtmalloc.percpu \
      --launcher choose-front-end=io.rtmalloc.examples/io.rtmalloc.examples.ChooseFrontEnd \
      --no-header-files --no-man-pages --strip-debug \
      --output "$image"
echo "$image"
