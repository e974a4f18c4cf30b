"""System libraries from Debian packages, as local repositories.

Each BUILD file under third_party/system/ declares a cc_library that adds the
right linker flags; the headers are in /usr/include, on the compiler's default
search path.
"""

_LIBS = ["absl", "gflags", "glog", "gtest", "benchmark", "nlohmann_json", "png", "turbojpeg", "zlib"]

def system_library_repositories():
    for name in _LIBS:
        native.new_local_repository(
            name = "system_" + name,
            path = "third_party/system/root",
            build_file = "//third_party/system:%s.BUILD" % name,
        )
