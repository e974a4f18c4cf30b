#!/usr/bin/env bash
# Installs every Debian package the build, the tests, the default run and the
# benchmarks need. Idempotent: installed packages are skipped. Works as root,
# or through sudo for a normal user.
set -euo pipefail

packages=(
  bazel-bootstrap          # the build (Bazel 4.2.3; WORKSPACE works offline)
  g++                      # the C++17 compiler
  libtorch-dev             # LibTorch 1.13 (CPU)
  libgloo-dev              # the headers of LibTorch's Gloo process group (several processes)
  libabsl-dev              # absl::Status, strings
  libgflags-dev            # driver flags
  libgoogle-glog-dev       # logging (LibTorch's own dependency too)
  libgtest-dev             # tests
  libbenchmark-dev         # benchmarks/
  nlohmann-json3-dev       # results.json
  zlib1g-dev               # IDX .gz and MAT-file readers
  libturbojpeg0-dev        # JPEG decoding (tiny_imagenet, image_folder)
  libopenblas0-pthread     # a fast BLAS for LibTorch's Linear layers
  dataset-fashion-mnist    # the default dataset, in /usr/share/datasets/fashion-mnist
  python3                  # the tests check results.json and .npy files with it
  gnuplot-nox              # the report tool's plots (PNG, SVG)
)

if [ "$(id -u)" = 0 ]; then
  sudo=()
elif command -v sudo >/dev/null; then
  sudo=(sudo)
else
  echo "setup.sh: run as root or install sudo" >&2
  exit 1
fi

missing=()
for p in "${packages[@]}"; do
  if dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    echo "setup.sh: $p is installed"
  else
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "setup.sh: installing ${missing[*]}"
  "${sudo[@]}" apt-get update
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
fi

# LibTorch links libblas.so.3: make sure it is OpenBLAS, not the slow reference BLAS.
if [ -e /usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3 ]; then
  "${sudo[@]}" update-alternatives --set libblas.so.3-x86_64-linux-gnu \
    /usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3 >/dev/null
  echo "setup.sh: libblas.so.3 -> OpenBLAS (pthread)"
fi
echo "setup.sh: done"
