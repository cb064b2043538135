"""Which library loads, which kernel runs, and the build information.

"Which build runs here" is established the hard way: each build is loaded in a child process of its own (a build for
an instruction set the CPU lacks kills its child, which is the expected outcome there). Nothing here reads
/proc/cpuinfo or assumes this machine's CPU."""
import functools
import os
import subprocess
import sys

import pytest

import fastals
from fastals import KernelPath
from fastals._lib import LEVELS, best_level, cpu_level, library_dir

HERE = os.path.dirname(os.path.abspath(__file__))
PACKAGE_ROOT = os.path.dirname(HERE)
ROOT = os.path.dirname(os.path.dirname(PACKAGE_ROOT))
EXPECTED = {"v2": KernelPath.SCALAR, "v3": KernelPath.VECTOR256, "v4": KernelPath.VECTOR512}
_OVERRIDES = ("FASTALS_LIBRARY", "FASTALS_ISA", "FASTALS_LIB_DIR", "FASTALS_FORCE_KERNEL")


def clean_env(**extra):
    """The environment of a child with none of the package's overrides, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if k not in _OVERRIDES}
    env.update(extra)
    return env


def child(code, cwd=PACKAGE_ROOT, **env):
    return subprocess.run([sys.executable, "-c", code], env=clean_env(**env), cwd=cwd, capture_output=True, text=True,
                          timeout=300)


_RUN_PROBE = ("import numpy as np, scipy.sparse as sp, fastals\n"
              "m = sp.random(30, 20, density=0.3, format='csr', random_state=1, dtype=np.float32)\n"
              "model = fastals.AlternatingLeastSquares(factors=8, iterations=2, num_threads=1).fit(m)\n"
              "assert model.recommend(0, m[0], N=3)[0].size == 3\n"
              "print(int(fastals.kernel_path()))\n")


@functools.lru_cache(maxsize=None)
def probe(level):
    """(runs, kernel) for libfastals_<level>.so, loaded by path in a child process that trains a tiny model."""
    path = os.path.join(library_dir(), "libfastals_%s.so" % level)
    if not os.path.exists(path):
        return False, None
    out = child(_RUN_PROBE, FASTALS_LIBRARY=path)
    return out.returncode == 0, (int(out.stdout.strip().splitlines()[-1]) if out.returncode == 0 else out.stderr[-500:])


def widest_running():
    running = [level for level in LEVELS if probe(level)[0]]
    assert running, "no libfastals build runs on this machine: %s" % {lv: probe(lv) for lv in LEVELS}
    return running[-1]


def test_every_build_is_present():
    """interop/build.sh publishes all three levels, whatever this machine runs."""
    for level in LEVELS:
        assert os.path.exists(os.path.join(library_dir(), "libfastals_%s.so" % level)), level
    assert os.path.exists(os.path.join(library_dir(), "libfastals_cpu.so"))


def test_loaded_library_is_the_widest_build_that_runs_here():
    """With no environment override, the package loads the widest of the three builds that loads and runs on this
    machine (each tried in its own child process) and runs that build's kernel."""
    level = widest_running()
    out = child("import fastals; print(fastals.lib().path); print(int(fastals.kernel_path())); print(fastals.build_info())")
    assert out.returncode == 0, out.stderr
    path, kernel, info = out.stdout.strip().splitlines()
    assert os.path.basename(path) == "libfastals_%s.so" % level
    assert int(kernel) == int(EXPECTED[level])
    assert "instruction_set=x86-64-%s" % level in info and "aot=True" in info


def test_cpu_level_agrees_with_the_builds_that_run():
    """fastals_cpu_level (CPUID + XGETBV) names exactly the widest running build (capped at v4), and the C tool
    isa_check, which interop/build.sh uses for the libfastals.so link, gives the same answer."""
    level = widest_running()
    assert best_level() == level
    assert cpu_level() >= int(level[1])
    isa_check = os.path.join(ROOT, "interop", "c", "build", "isa_check")
    out = subprocess.run([isa_check, "--level", os.path.join(library_dir(), "libfastals_cpu.so")], capture_output=True,
                         text=True, check=True)
    assert int(out.stdout) == cpu_level()
    link = os.path.join(library_dir(), "libfastals.so")
    assert os.readlink(link) == "libfastals_%s.so" % level


@pytest.mark.parametrize("level", LEVELS)
def test_each_level_build_runs_its_kernel_or_is_refused_by_this_cpu(level):
    """FASTALS_ISA forces a build: one this machine runs gives its own kernel path; one it cannot run is above the
    level fastals_cpu_level reports (so the automatic choice never picks it)."""
    runs, kernel = probe(level)
    if runs:
        assert kernel == int(EXPECTED[level])
        out = child("import fastals; print(int(fastals.kernel_path()))", FASTALS_ISA=level)
        assert out.returncode == 0, out.stderr
        assert int(out.stdout.strip()) == int(EXPECTED[level])
    else:
        assert int(level[1]) > cpu_level(), "libfastals_%s.so does not run although fastals_cpu_level() is %d: %s" % (
            level, cpu_level(), kernel)


def _lib_dir_with(tmp_path, *names):
    folder = tmp_path / "lib"
    folder.mkdir()
    for name in names:
        os.symlink(os.path.join(library_dir(), name), folder / name)
    return str(folder)


def test_a_missing_build_falls_back_to_the_widest_lower_one(tmp_path):
    folder = _lib_dir_with(tmp_path, "libfastals_cpu.so", "libfastals_v2.so")
    out = child("import fastals; print(fastals.lib().path); print(int(fastals.kernel_path()))", FASTALS_LIB_DIR=folder)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == [os.path.join(folder, "libfastals_v2.so"), str(int(KernelPath.SCALAR))]


def test_no_fitting_build_and_no_cpu_helper_are_reported(tmp_path):
    folder = _lib_dir_with(tmp_path, "libfastals_cpu.so")
    out = child("import fastals; fastals.version()", FASTALS_LIB_DIR=folder)
    assert out.returncode != 0 and "no libfastals build for x86-64-%s or lower" % best_level() in out.stderr
    assert "interop/build.sh" in out.stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    out = child("import fastals; fastals.version()", FASTALS_LIB_DIR=str(empty))
    assert out.returncode != 0 and "libfastals_cpu.so not found" in out.stderr and "interop/build.sh" in out.stderr


def test_bad_isa_and_missing_library_are_reported(tmp_path):
    out = child("import fastals; fastals.version()", FASTALS_ISA="v9")
    assert out.returncode != 0 and "FASTALS_ISA='v9'" in out.stderr
    out = child("import fastals; fastals.version()", FASTALS_ISA="v2", FASTALS_LIB_DIR=str(tmp_path))
    assert out.returncode != 0 and "libfastals_v2.so not found" in out.stderr and "interop/build.sh" in out.stderr


def test_python_dash_m_fastals_prints_the_version_and_the_build():
    level = widest_running()
    out = subprocess.run([sys.executable, "-m", "fastals"], env=clean_env(), cwd=PACKAGE_ROOT, capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == "fastals %s" % fastals.version()
    assert lines[1] == "library: %s" % os.path.join(library_dir(), "libfastals_%s.so" % level)
    assert lines[2].startswith("build:   x86-64-%s " % level)
    assert lines[3] == "kernel:  %s" % EXPECTED[level].name
    assert fastals.__version__ == fastals.version() and fastals.version().count(".") == 2


def test_package_works_from_another_folder(tmp_path):
    """The documented way to use the package from a checkout elsewhere: put interop/python on PYTHONPATH."""
    out = child("import fastals; print(fastals.version())", cwd=str(tmp_path), PYTHONPATH=PACKAGE_ROOT)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == fastals.version()


def test_signatures_bind_every_export_in_the_header():
    import fastals._signatures as sig
    header = open(os.path.join(HERE, "..", "..", "include", "fastals.h"), encoding="utf-8").read()
    for name in sig.SIGNATURES:
        assert name + "(" in header
