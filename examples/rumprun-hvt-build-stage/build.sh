#!/bin/sh
# Stands in for the toolchain (rumprun's `x86_64-rumprun-netbsd-gcc` then `rumprun-bake hw_hvt`),
# so that the example builds with nothing but a shell: it writes a file recording the version and
# the source it was "compiled" from. Usage: build.sh VERSION SOURCE > OUTPUT
set -eu
version=$1
source=$2
printf 'stand-in rumprun hvt unikernel %s\n' "$version"
printf 'source %s sha256 %s\n' "$source" "$(sha256sum "$source" | cut -d' ' -f1)"
