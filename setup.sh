#!/usr/bin/env bash
# Installs every Debian package the build, the tests, the default run and the
# benchmarks need, and LibTorch 2.x from PyPI's torch wheel beside Debian's
# LibTorch 1.13. Idempotent: what is installed is skipped. Works as root, or
# through sudo for a normal user.
#
#   ./setup.sh           Debian's packages + LibTorch 2.x for the CPU
#                        (PyPI: torch 560 MB, CUDA runtime and CUPTI 14 MB;
#                        1.3 GB on disk)
#   ./setup.sh --cuda    also the CUDA libraries LibTorch 2.x's CUDA build
#                        links (cuBLAS, cuDNN, NCCL, ...: 2.4 GB more to
#                        download, 4 GB more on disk), for the CUDA build
#
# LibTorch 2.x lands in $LIBTORCH2_PREFIX (default /opt/libtorch-pip/torch-<version>)
# and is used with  bazel build --config=libtorch2 ...  (see .bazelrc; another
# prefix: bazel build --repo_env=LIBTORCH_ROOT=<prefix>/torch ...).
set -euo pipefail

# The newest torch on PyPI on 2026-12-02 (pinned: its CUDA packages are pinned to
# it). Changing it: change .bazelrc's --config=libtorch2 path too.
torch_version=2.15.0
cuda_runtime_version=13.2.86   # torch 2.15.0's cuda-toolkit[cudart,cupti]==13.2.2
with_cuda=0
for arg in "$@"; do
  case "$arg" in
    --cuda) with_cuda=1 ;;
    *) echo "setup.sh: unknown argument '$arg' (known: --cuda)" >&2; exit 2 ;;
  esac
done
LIBTORCH2_PREFIX=${LIBTORCH2_PREFIX:-/opt/libtorch-pip/torch-${torch_version}}

packages=(
  bazel-bootstrap          # the build (Bazel 4.2.3; WORKSPACE works offline)
  g++                      # the C++20 compiler
  libtorch-dev             # LibTorch 1.13 (CPU)
  libgloo-dev              # the headers of LibTorch's Gloo process group (several processes)
  libabsl-dev              # absl::Status, strings
  libgflags-dev            # driver flags
  libgoogle-glog-dev       # logging (LibTorch's own dependency too)
  libgtest-dev             # tests
  libbenchmark-dev         # benchmarks/
  nlohmann-json3-dev       # results.json
  zlib1g-dev               # IDX .gz and MAT-file readers
  libturbojpeg0-dev        # JPEG decoding (tiny_imagenet, image_folder, //:predict)
  libpng-dev               # PNG decoding (//:predict)
  libopenblas0-pthread     # a fast BLAS for LibTorch's Linear layers
  dataset-fashion-mnist    # the default dataset, in /usr/share/datasets/fashion-mnist
  python3                  # the tests check results.json and .npy files with it
  python3-pip              # fetches LibTorch 2.x from PyPI (below; no Python of ours uses it)
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
# LibTorch 2.x: the C++ headers, libraries and CMake package inside PyPI's torch
# wheel. Python is only the installer; nothing of ours imports torch. The wheel
# is the CUDA build: its CPU library needs the CUDA runtime and CUPTI (loaded,
# not used, on a machine without a GPU); the rest of CUDA only with --cuda.
# Debian's own Python and pip (python3-pip above), whoever's python3 comes
# first on PATH: --target needs no virtual environment and skips Debian's
# "externally managed" guard, which protects /usr only.
python=/usr/bin/python3
"${sudo[@]}" "$python" -m pip --version >/dev/null 2>&1 || {
  echo "setup.sh: $python has no pip (python3-pip), needed to fetch LibTorch 2.x from PyPI" >&2
  exit 1
}
pip_install() {
  "${sudo[@]}" "$python" -m pip install --quiet --disable-pip-version-check --no-warn-script-location --root-user-action=ignore \
    --target "$LIBTORCH2_PREFIX" "$@"
}
if [ ! -e "$LIBTORCH2_PREFIX/torch/lib/libtorch_cpu.so" ]; then
  echo "setup.sh: installing LibTorch ${torch_version} (PyPI torch, CPU part) into $LIBTORCH2_PREFIX"
  pip_install --no-deps "torch==${torch_version}" "nvidia-cuda-runtime==${cuda_runtime_version}" \
    "nvidia-cuda-cupti==${cuda_runtime_version}"
else
  echo "setup.sh: LibTorch ${torch_version} is installed in $LIBTORCH2_PREFIX"
fi
if [ "$with_cuda" = 1 ]; then
  if [ ! -e "$LIBTORCH2_PREFIX/nvidia/cudnn" ]; then
    echo "setup.sh: installing LibTorch ${torch_version}'s CUDA libraries into $LIBTORCH2_PREFIX"
    pip_install --upgrade "torch==${torch_version}"
  else
    echo "setup.sh: LibTorch ${torch_version}'s CUDA libraries are installed"
  fi
fi
echo "setup.sh: LibTorch 2.x root: $LIBTORCH2_PREFIX/torch"
echo "setup.sh: done"
