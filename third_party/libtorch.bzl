"""Repository rule for LibTorch.

LIBTORCH_ROOT (read from the environment) points at a LibTorch distribution
(a directory holding include/ and lib/, e.g. the CUDA build from pytorch.org or
the one inside a `torch` Python package). Unset, it defaults to Debian's
libtorch-dev, whose headers live in /usr/include and libraries in
/usr/lib/x86_64-linux-gnu.
"""

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

    libs = ["-ltorch", "-ltorch_cpu", "-lc10"]
    if ctx.path(libdir + "/libtorch_cuda.so").exists:
        # Keep the CUDA libraries even though no symbol is referenced directly:
        # their static initialisers register the CUDA kernels.
        libs = ["-Wl,--no-as-needed", "-ltorch_cuda", "-lc10_cuda", "-Wl,--as-needed"] + libs
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
