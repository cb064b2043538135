"""Builds the fastals wheel with the standard library only (no network, no setuptools): a PEP 517 build backend
(``build_wheel``) and a command line (``python3 wheel_backend.py [--out FOLDER]``, what build-wheel.sh runs).

The wheel holds the package's Python files and fastals/lib/ (libfastals_v2.so, _v3.so, _v4.so, libfastals_cpu.so);
its metadata comes from pyproject.toml, its version from the libraries (fastals_version). It is tagged
py3-none-linux_x86_64: pure Python plus x86-64 Linux shared libraries, loaded with ctypes (no CPython ABI)."""
import base64
import hashlib
import os
import sys
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
PACKAGE = os.path.join(HERE, "fastals")
LIBRARIES = ("libfastals_v2.so", "libfastals_v3.so", "libfastals_v4.so", "libfastals_cpu.so")
TAG = "py3-none-linux_x86_64"


def _project():
    import tomllib  # Python 3.11+: the build machine's interpreter (Debian 12's python3)
    with open(os.path.join(HERE, "pyproject.toml"), "rb") as f:
        return tomllib.load(f)["project"]


def _version():
    """The libraries' version, asked of the build this machine runs (the package's own loading rule)."""
    sys.path.insert(0, HERE)
    try:
        import fastals
        return fastals.version()
    finally:
        sys.path.remove(HERE)


def _files():
    """(archive name, path on disk) of every file the wheel carries; raises when a library is missing."""
    lib = os.path.join(PACKAGE, "lib")
    missing = [n for n in LIBRARIES if not os.path.isfile(os.path.join(lib, n))]
    if missing:
        raise SystemExit("build-wheel: %s missing in %s; run interop/build.sh (all three levels) first"
                         % (", ".join(missing), lib))
    out = []
    for folder, dirs, names in os.walk(PACKAGE):
        dirs[:] = sorted(d for d in dirs if d not in ("__pycache__", "lib"))
        for name in sorted(names):
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                out.append((os.path.relpath(path, HERE).replace(os.sep, "/"), path))
    out.extend(("fastals/lib/" + n, os.path.join(lib, n)) for n in LIBRARIES)
    return out


def _metadata(project, version):
    lines = ["Metadata-Version: 2.1", "Name: " + project["name"], "Version: " + version,
             "Summary: " + project.get("description", ""), "Requires-Python: " + project.get("requires-python", ">=3")]
    lines += ["Classifier: " + c for c in project.get("classifiers", [])]
    lines += ["Requires-Dist: " + d for d in project.get("dependencies", [])]
    return "\n".join(lines) + "\n"


def _record_line(name, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode("ascii")
    return "%s,sha256=%s,%d" % (name, digest, len(data))


def build(out_dir):
    """Writes the wheel into out_dir (written to a temporary name, then renamed); returns its file name."""
    project = _project()
    version = _version()
    name = project["name"]
    dist_info = "%s-%s.dist-info" % (name, version)
    wheel_name = "%s-%s-%s.whl" % (name, version, TAG)
    os.makedirs(out_dir, exist_ok=True)
    target = os.path.join(out_dir, wheel_name)
    tmp = target + ".tmp-%d" % os.getpid()
    record = []
    try:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as z:
            def add(arcname, data, mode=0o644):
                info = zipfile.ZipInfo(arcname, date_time=(1980, 1, 1, 0, 0, 0))
                info.external_attr = (0o100000 | mode) << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                z.writestr(info, data)
                record.append(_record_line(arcname, data))

            for arcname, path in _files():
                with open(path, "rb") as f:
                    add(arcname, f.read(), 0o755 if arcname.endswith(".so") else 0o644)
            add(dist_info + "/METADATA", _metadata(project, version).encode("utf-8"))
            add(dist_info + "/WHEEL", ("Wheel-Version: 1.0\nGenerator: fastals wheel_backend\nRoot-Is-Purelib: false\n"
                                       "Tag: %s\n" % TAG).encode("ascii"))
            add(dist_info + "/top_level.txt", b"fastals\n")
            record.append(dist_info + "/RECORD,,")
            z.writestr(zipfile.ZipInfo(dist_info + "/RECORD", date_time=(1980, 1, 1, 0, 0, 0)),
                       ("\n".join(record) + "\n").encode("utf-8"), compress_type=zipfile.ZIP_DEFLATED)
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
    return wheel_name


# ---- PEP 517 hooks (pip wheel / pip install with --no-build-isolation)
def get_requires_for_build_wheel(config_settings=None):
    return []


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    return build(wheel_directory)


if __name__ == "__main__":
    import argparse
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join(HERE, "dist"), help="output folder (default: interop/python/dist)")
    args = parser.parse_args()
    wheel = build(args.out)
    path = os.path.join(args.out, wheel)
    print("%s (%.1f MB)" % (path, os.path.getsize(path) / 1e6))
