"""A process killed with SIGKILL in the middle of ``model.save(path)`` leaves the target as it was, and the next save
to the same target removes the dead writer's temporary file (the atomic outputs of the README's Reliability section)."""
import glob
import os
import signal
import subprocess
import sys
import time

import numpy as np
import scipy.sparse as sp

import fastals

HERE = os.path.dirname(os.path.abspath(__file__))


def fitted(seed):
    m = sp.random(40, 30, density=0.2, format="csr", random_state=seed, dtype=np.float64)
    return fastals.AlternatingLeastSquares(factors=4, iterations=2, num_threads=1, random_state=seed).fit(m)


def temp_files(target):
    folder, name = os.path.split(str(target))
    return sorted(glob.glob(os.path.join(folder, "." + glob.escape(name) + ".*.fastals-tmp")))


def test_sigkill_during_save_leaves_the_target_intact_and_the_next_save_cleans_up(tmp_path):
    target = tmp_path / "m.fals"
    fitted(1).save(target)
    before = target.read_bytes()

    # The child writes another model over the target and waits (test hook) after its temporary file is complete and
    # flushed, before the rename: it is killed there, with the new bytes written but not yet in place.
    code = ("import sys, numpy as np, scipy.sparse as sp, fastals\n"
            "m = sp.random(40, 30, density=0.2, format='csr', random_state=2, dtype=np.float64)\n"
            "model = fastals.AlternatingLeastSquares(factors=4, iterations=2, num_threads=1, random_state=2).fit(m)\n"
            "model.save(sys.argv[1])\n")
    env = dict(os.environ, PYTHONPATH=os.path.dirname(HERE), FASTALS_TEST_PAUSE_BEFORE_RENAME="120000:m.fals")
    child = subprocess.Popen([sys.executable, "-c", code, str(target)], env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while not temp_files(target):
            assert child.poll() is None, child.stderr.read().decode()
            assert time.monotonic() < deadline, "the child never started its save"
            time.sleep(0.02)
        # The temporary file exists; give the writer time to fill and flush it (it then waits up to 120 s).
        time.sleep(1.0)
        assert child.poll() is None, child.stderr.read().decode()
        child.send_signal(signal.SIGKILL)
        assert child.wait(timeout=60) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        child.stdout.close()
        child.stderr.close()

    assert target.read_bytes() == before, "the target changed although the save never completed"
    left = temp_files(target)
    assert len(left) == 1 and ".%d." % child.pid in os.path.basename(left[0]), left
    assert len(fastals.AlternatingLeastSquares.load(target).user_factors) == 40

    # The next save to the same target removes the dead writer's temporary file and leaves none of its own.
    third = fitted(3)
    third.save(target)
    assert temp_files(target) == []
    np.testing.assert_array_equal(fastals.AlternatingLeastSquares.load(target).user_factors, third.user_factors)
