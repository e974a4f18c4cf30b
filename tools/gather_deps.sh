#!/usr/bin/env bash
# Gathers the headers and libraries the CMake build needs besides LibTorch
# (absl, gflags, googletest, benchmark, nlohmann-json, libjpeg-turbo, libpng, zlib)
# from this Debian machine into one folder, for a machine that has LibTorch
# but no apt (the GPU host): pass it as -DENS_DEPS_ROOT. With --data, the
# Fashion-MNIST files come along (data/fashion-mnist). Prints the size.
#
#   tools/gather_deps.sh [OUT=.deps] [--data]
set -euo pipefail
out=.deps
data=false
for arg in "$@"; do
  case $arg in
    --data) data=true ;;
    *) out=$arg ;;
  esac
done
lib=/usr/lib/x86_64-linux-gnu
rm -rf "$out"
mkdir -p "$out/include" "$out/lib"
for dir in absl gflags gtest gmock benchmark nlohmann; do
  [ -d "/usr/include/$dir" ] || { echo "error: /usr/include/$dir missing: run ./setup.sh" >&2; exit 1; }
  cp -a "/usr/include/$dir" "$out/include/"
done
cp -a /usr/include/turbojpeg.h /usr/include/zlib.h /usr/include/zconf.h "$out/include/"
cp -L /usr/include/png.h /usr/include/pngconf.h /usr/include/pnglibconf.h "$out/include/"  # links into libpng16/
shopt -s nullglob
for pattern in 'libabsl_*.so*' 'libgflags.so*' 'libgtest.a' 'libgtest_main.a' 'libgmock.a' 'libgmock_main.a' \
               'libbenchmark.so*' 'libturbojpeg.so*' 'libpng16.so*' 'libz.so*'; do
  files=("$lib"/$pattern)
  [ ${#files[@]} -gt 0 ] || { echo "error: $lib/$pattern missing: run ./setup.sh" >&2; exit 1; }
  cp -a "${files[@]}" "$out/lib/"
done
# Links must resolve on the other machine: absolute ones become relative.
for link in "$out"/lib/*; do
  if [ -L "$link" ] && [[ $(readlink "$link") == /* ]]; then
    target=$(basename "$(readlink "$link")")
    [ -e "$out/lib/$target" ] || cp -L "$link" "$out/lib/$target"
    ln -sf "$target" "$link"
  fi
done
if $data; then
  mkdir -p "$out/data/fashion-mnist"
  cp /usr/share/datasets/fashion-mnist/*.gz "$out/data/fashion-mnist/"
fi
du -sh "$out" | awk '{print "gathered: " $1 " in " $2}'
