"""pip install: build the wheel with build-wheel.sh (no network), install it into a fresh virtual environment with
Debian's python3 -m venv and pip --no-index, and use it there with no PYTHONPATH."""
import base64
import hashlib
import os
import subprocess
import sys
import zipfile

import pytest

from test_loading import EXPECTED, ROOT, clean_env, widest_running

BUILD_WHEEL = os.path.join(ROOT, "interop", "python", "build-wheel.sh")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([BUILD_WHEEL, "--out", str(out)], check=True, capture_output=True, text=True, timeout=300)
    (name,) = os.listdir(out)
    return out / name


@pytest.fixture(scope="module")
def venv(wheel, tmp_path_factory):
    """A fresh venv (system site-packages for numpy and scipy: the install has no index) with the wheel installed."""
    folder = tmp_path_factory.mktemp("venv")
    subprocess.run(["/usr/bin/python3", "-m", "venv", "--system-site-packages", str(folder)], check=True,
                   capture_output=True, text=True, timeout=300)
    python = str(folder / "bin" / "python")
    out = subprocess.run([python, "-m", "pip", "install", "--no-index", "--disable-pip-version-check", str(wheel)],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr
    return folder, python


def test_the_wheel_carries_the_three_builds_and_valid_metadata(wheel):
    import fastals
    assert wheel.name == "fastals-%s-py3-none-linux_x86_64.whl" % fastals.version()
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        for lib in ("libfastals_v2.so", "libfastals_v3.so", "libfastals_v4.so", "libfastals_cpu.so"):
            assert "fastals/lib/" + lib in names
        assert {"fastals/__init__.py", "fastals/__main__.py", "fastals/als.py"} <= names
        dist = "fastals-%s.dist-info/" % fastals.version()
        metadata = z.read(dist + "METADATA").decode()
        assert "Name: fastals\n" in metadata and "Version: %s\n" % fastals.version() in metadata
        assert "Requires-Dist: numpy\n" in metadata
        assert "Tag: py3-none-linux_x86_64\n" in z.read(dist + "WHEEL").decode()
        record = [line.split(",") for line in z.read(dist + "RECORD").decode().splitlines()]
        assert {r[0] for r in record} == names
        for path, digest, size in record:
            if path == dist + "RECORD":
                assert digest == size == ""
                continue
            data = z.read(path)
            assert int(size) == len(data)
            assert digest == "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def test_installed_package_trains_with_the_widest_build(venv, tmp_path):
    folder, python = venv
    env = clean_env()
    env.pop("PYTHONPATH", None)
    code = ("import numpy as np, scipy.sparse as sp, pickle, fastals\n"
            "m = sp.random(40, 30, density=0.2, format='csr', random_state=3, dtype=np.float32)\n"
            "model = fastals.AlternatingLeastSquares(factors=8, iterations=3, num_threads=1).fit(m)\n"
            "ids, _ = pickle.loads(pickle.dumps(model)).recommend(0, m[0], N=5)\n"
            "assert ids.size == 5\n"
            "print(fastals.__file__); print(fastals.lib().path); print(int(fastals.kernel_path()))\n")
    out = subprocess.run([python, "-c", code], env=env, cwd=str(tmp_path), capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    package, library, kernel = out.stdout.split()
    site = os.path.realpath(str(folder))
    assert os.path.realpath(package).startswith(site) and os.path.realpath(library).startswith(site)
    level = widest_running()
    assert os.path.basename(library) == "libfastals_%s.so" % level
    assert int(kernel) == int(EXPECTED[level])
    shown = subprocess.run([python, "-m", "fastals"], env=env, cwd=str(tmp_path), capture_output=True,
                           text=True, timeout=300)
    assert shown.returncode == 0 and "kernel:  %s" % EXPECTED[level].name in shown.stdout
