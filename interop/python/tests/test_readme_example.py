"""Runs the README's Python example exactly as written and checks the figures the README states for it."""
import ast
import contextlib
import io
import os
import re

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
MARKER = "<!-- readme-python-example"


def shared_data():
    env = os.environ.get("FASTALS_SHARED_DATA")
    if env:
        return env if os.path.isdir(os.path.join(env, "lastfm-2k")) else None
    d = ROOT
    while True:
        candidate = os.path.join(d, "shared", "data")
        if os.path.isdir(os.path.join(candidate, "lastfm-2k")):
            return candidate
        parent = os.path.dirname(d)
        if parent == d:
            return None
        d = parent


def readme_example():
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as f:
        text = f.read()
    at = text.index(MARKER)
    block = re.search(r"```python\n(.*?)```\n", text[at:], re.S)
    figures = re.search(r"It prints `(\{.*?\})`", text[at:])
    return block.group(1), ast.literal_eval(figures.group(1))


def test_the_readme_names_its_figures():
    code, figures = readme_example()
    assert "ranking_metrics_at_k" in code and set(figures) == {"precision", "map", "ndcg", "auc"}


def test_the_readme_python_example_runs_as_written_and_gives_its_figures(tmp_path, monkeypatch):
    data = shared_data()
    if data is None:
        pytest.skip("the shared Last.fm 2K data is not here (set FASTALS_SHARED_DATA to the folder holding lastfm-2k/)")
    code, figures = readme_example()
    monkeypatch.setenv("FASTALS_SHARED_DATA", data)
    monkeypatch.chdir(tmp_path)  # the example saves lastfm.fals in the working directory
    scope = {"__name__": "__readme__"}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "README.md (Python example)", "exec"), scope)
    printed = ast.literal_eval(out.getvalue().splitlines()[0])
    for key, value in figures.items():
        assert printed[key] == pytest.approx(value, abs=0.005), key
        assert scope["metrics"][key] == pytest.approx(value, abs=0.005), key
    assert (tmp_path / "lastfm.fals").exists()
