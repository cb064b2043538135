"""Which library loads, which kernel runs, and the build information."""
import os
import subprocess
import sys

import pytest

import fastals
from fastals import KernelPath
from fastals._lib import best_level, cpu_flags

HERE = os.path.dirname(os.path.abspath(__file__))
EXPECTED = {"v2": KernelPath.SCALAR, "v3": KernelPath.VECTOR256, "v4": KernelPath.VECTOR512}


def test_level_detection_from_cpu_flags():
    v2 = {"cx16", "lahf_lm", "popcnt", "sse4_1", "sse4_2", "ssse3"}
    v3 = v2 | {"avx", "avx2", "bmi1", "bmi2", "f16c", "fma", "abm", "movbe", "xsave"}
    v4 = v3 | {"avx512f", "avx512bw", "avx512cd", "avx512dq", "avx512vl"}
    assert best_level(set()) is None
    assert best_level(v2) == "v2"
    assert best_level(v3) == "v3"
    assert best_level(v4) == "v4"
    assert best_level(v2 | {"avx512f", "avx512bw", "avx512cd", "avx512dq", "avx512vl"}) == "v2"  # no AVX2: not v3/v4
    assert best_level(v3 - {"fma"}) == "v2"


def test_loaded_library_runs_the_widest_kernel_this_cpu_has():
    if os.environ.get("FASTALS_LIBRARY") or os.environ.get("FASTALS_ISA"):
        pytest.skip("library forced by environment")
    level = best_level()
    assert fastals.lib().path.endswith("libfastals_%s.so" % level)
    assert fastals.kernel_path() == EXPECTED[level]
    flags = cpu_flags()
    if {"avx512f", "avx512bw", "avx512vl", "avx512dq"} <= flags:
        assert fastals.kernel_path() == KernelPath.VECTOR512   # this dev machine has AVX-512
    elif {"avx2", "fma"} <= flags:
        assert fastals.kernel_path() == KernelPath.VECTOR256
    info = fastals.build_info()
    assert "instruction_set=x86-64-%s" % level in info
    assert "aot=True" in info
    assert fastals.version().count(".") == 2


@pytest.mark.parametrize("level", ["v2", "v3", "v4"])
def test_each_level_build_runs_its_kernel(level):
    if best_level() is None or ["v2", "v3", "v4"].index(level) > ["v2", "v3", "v4"].index(best_level()):
        pytest.skip("this CPU cannot run the %s build" % level)
    code = "import fastals; print(int(fastals.kernel_path()))"
    env = dict(os.environ, FASTALS_ISA=level)
    env.pop("FASTALS_LIBRARY", None)
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=os.path.dirname(HERE), capture_output=True, text=True, check=True)
    assert int(out.stdout.strip()) == int(EXPECTED[level])


def test_bad_isa_and_missing_library_are_reported(tmp_path):
    env = dict(os.environ, FASTALS_ISA="v9")
    env.pop("FASTALS_LIBRARY", None)
    out = subprocess.run([sys.executable, "-c", "import fastals; fastals.version()"], env=env, cwd=os.path.dirname(HERE), capture_output=True, text=True)
    assert out.returncode != 0 and "FASTALS_ISA='v9'" in out.stderr
    env = dict(os.environ, FASTALS_LIB_DIR=str(tmp_path))
    env.pop("FASTALS_LIBRARY", None)
    env.pop("FASTALS_ISA", None)
    out = subprocess.run([sys.executable, "-c", "import fastals; fastals.version()"], env=env, cwd=os.path.dirname(HERE), capture_output=True, text=True)
    assert out.returncode != 0 and "interop/build.sh" in out.stderr


def test_package_works_from_another_folder(tmp_path):
    """The documented way to use the package elsewhere: put interop/python on PYTHONPATH."""
    env = dict(os.environ, PYTHONPATH=os.path.dirname(HERE))
    out = subprocess.run([sys.executable, "-c", "import fastals; print(fastals.version())"], env=env, cwd=str(tmp_path), capture_output=True, text=True, check=True)
    assert out.stdout.strip() == fastals.version()


def test_signatures_bind_every_export_in_the_header():
    import fastals._signatures as sig
    header = open(os.path.join(HERE, "..", "..", "include", "fastals.h"), encoding="utf-8").read()
    for name in sig.SIGNATURES:
        assert name + "(" in header
