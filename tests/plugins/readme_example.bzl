"""A plugin built from a code example in README.md, so the example cannot drift
from what compiles and loads."""

def readme_plugin(name, source, deps):
    """Cuts the block that starts with the line `// <source>` out of README.md
    (up to its closing fence) and builds it as the plugin `<name>.so`."""
    native.genrule(
        name = name + "_source",
        srcs = ["//:README.md"],
        outs = [name + ".cc"],
        cmd = ("awk -v first='// %s' '$$0 == first {on = 1} on && /^```$$/ {exit} on {print}' $< > $@ && " +
               "grep -q ENS_PLUGIN $@ || { echo 'README.md: the example %s is gone' >&2; exit 1; }") % (source, source),
    )
    native.cc_binary(
        name = name + ".so",
        srcs = [":" + name + "_source"],
        linkshared = True,
        deps = deps,
    )
