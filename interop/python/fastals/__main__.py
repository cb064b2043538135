"""``python -m fastals``: the package version and the libfastals build it loaded (path, level, kernel path)."""
import sys

import fastals


def main():
    try:
        b = fastals.loaded_build()
    except fastals.FastAlsError as e:
        print("fastals: %s" % e, file=sys.stderr)
        return 1
    print("fastals %s" % b["version"])
    print("library: %s" % b["path"])
    print("build:   x86-64-%s (this machine runs %s)" % (b["level"], "x86-64-" + b["cpu_level"] if b["cpu_level"] and
                                                         b["cpu_level"].startswith("v") else b["cpu_level"] or "unknown"))
    print("kernel:  %s" % b["kernel"].name)
    print(b["build_info"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
