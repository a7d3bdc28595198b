#!/usr/bin/env bash
# quickstart.sh — README command 1: install what Ouro needs (Debian 12,
# apt-get, only when something is missing), build into build/, and run the
# demo: a GObject whose child's signal handler holds it, the leak valgrind
# cannot see, and Ouro's report of it.
#
# Run as root, or as a user with sudo.  Safe to run again: it only installs
# what is missing and reuses an existing build directory.
set -euo pipefail
cd "$(dirname "$0")"

# Debian packages: build tools, GLib, json-glib (tests check the JSON with
# it), valgrind (its headers, and `meson test --setup=valgrind`), Graphviz
# (`dot`, to draw reports), Python 3 (the benchmark's CPython baseline),
# GTK 4 and Xvfb (the GTK tests and example run headless; the libraries
# themselves never link GTK), gtk-4-examples (gtk4-demo: a stock program
# the `ouro run` tests run under the preload), libunwind and libdw (the
# reference ledger's stacks and file:line names; optional at build time),
# python3-gi, gir1.2-gtk-4.0 and gjs (the run-bindings test runs Python and
# JavaScript GTK 4 programs under `ouro run`: language bindings hold their
# objects with toggle references, which the exit report must survive).
packages=(gcc meson ninja-build pkg-config libglib2.0-dev libjson-glib-dev
          valgrind graphviz python3 libgtk-4-dev xvfb xauth fonts-dejavu-core
          gtk-4-examples libunwind-dev libdw-dev python3-gi gir1.2-gtk-4.0 gjs)

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$package")
done

if [ "${#missing[@]}" -gt 0 ]; then
  echo "quickstart: installing ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ! -f build/build.ninja ]; then
  meson setup build
fi
meson compile -C build

echo
echo "quickstart: running the demo (examples/bound-callback.c)"
echo
./build/examples/bound-callback

echo
echo "quickstart: the same kind of leak in a program that knows nothing of Ouro,"
echo "run under the preload module: ouro run -- build/tests/glib-app cycle"
echo
./build/gobject-glue/run/ouro run -- ./build/tests/glib-app cycle
