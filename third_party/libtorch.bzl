"""Repository rule for LibTorch.

LIBTORCH_ROOT (read from the environment) points at a LibTorch distribution
(a directory holding include/ and lib/, e.g. the CUDA build from pytorch.org or
the one inside a `torch` Python package; `--config=libtorch2` sets it to the one
setup.sh installs). Unset, it defaults to Debian's libtorch-dev, whose headers
live in /usr/include and libraries in /usr/lib/x86_64-linux-gnu.

The CUDA libraries (libtorch_cuda, libc10_cuda) are linked when the
distribution has them and the dynamic loader finds everything they need
(cuBLAS, cuDNN, NCCL, ...: `./setup.sh --cuda` for PyPI's wheel); otherwise the
build is CPU-only, as with the CPU part of PyPI's wheel that setup.sh installs
by default. The rule runs again when LIBTORCH_ROOT changes; after installing
the CUDA libraries into the same place (`./setup.sh --cuda`), `bazel sync`
runs it again.
"""

def _cuda_libraries_load(ctx, libdir):
    """Whether libtorch_cuda.so exists and ldd resolves every library it needs."""
    if not ctx.path(libdir + "/libtorch_cuda.so").exists:
        return False
    result = ctx.execute(["ldd", libdir + "/libtorch_cuda.so"])
    return result.return_code == 0 and "not found" not in result.stdout

def _libtorch_impl(ctx):
    root = ctx.os.environ.get("LIBTORCH_ROOT", "")
    if root:
        include = root + "/include"
        libdir = root + "/lib"
        if not ctx.path(include + "/torch/csrc/api/include/torch/torch.h").exists:
            fail("LIBTORCH_ROOT=%s has no include/torch/csrc/api/include/torch/torch.h" % root)
        ctx.symlink(include, "include")
        includes = ["include", "include/torch/csrc/api/include"]
        hdrs = 'glob(["include/**/*.h", "include/**/*.cuh"])'
    else:
        include = "/usr/include"
        libdir = "/usr/lib/x86_64-linux-gnu"
        if not ctx.path(include + "/torch/csrc/api/include/torch/torch.h").exists:
            fail("LibTorch headers not found in /usr/include: run ./setup.sh (libtorch-dev) or set LIBTORCH_ROOT")

        # Only the C++ API headers sit outside the compiler's system include path.
        ctx.symlink(include + "/torch/csrc/api/include", "api_include")
        includes = ["api_include"]
        hdrs = 'glob(["api_include/**/*.h"])'

    # libtorch.so itself is nearly empty; in a CUDA distribution it needs
    # libtorch_cuda, so a CPU-only build links the CPU libraries alone.
    libs = ["-ltorch_cpu", "-lc10"]
    if _cuda_libraries_load(ctx, libdir):
        # Keep the CUDA libraries even though no symbol is referenced directly:
        # their static initialisers register the CUDA kernels.
        libs = ["-Wl,--no-as-needed", "-ltorch_cuda", "-lc10_cuda", "-ltorch", "-Wl,--as-needed"] + libs
    ctx.file("BUILD", """
cc_library(
    name = "libtorch",
    hdrs = {hdrs},
    includes = {includes},
    linkopts = ["-L{libdir}", "-Wl,-rpath,{libdir}"] + {libs} + ["-lpthread"],
    visibility = ["//visibility:public"],
)
""".format(hdrs = hdrs, includes = includes, libdir = libdir, libs = libs))

libtorch_repository = repository_rule(
    implementation = _libtorch_impl,
    environ = ["LIBTORCH_ROOT"],
    local = True,
)
