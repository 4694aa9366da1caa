"""The repository's promises: CI runs the README's test command."""

import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_ci_runs_exactly_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text().strip().splitlines()[-1]
    readme = (ROOT / "README.md").read_text()
    assert ci in readme, f"the README must show CI's command: {ci}"


def test_readme_main_job_command_runs_conformance():
    readme = (ROOT / "README.md").read_text()
    assert re.search(r"pip install .*unisample|pip install .*\[all-cpu\].*&& unisample conformance", readme)


def test_a_clean_clone_can_create_the_readme_venv():
    # The README's commands start with `python3 -m venv .venv`: a tracked file
    # named .venv (one was committed by accident) makes that fail on a fresh
    # clone, while CI, which deletes .venv first, stays green.
    import subprocess

    tracked = subprocess.run(["git", "ls-files", ".venv"], cwd=ROOT, capture_output=True, text=True)
    if tracked.returncode != 0:  # not a git checkout (an sdist): nothing is tracked
        return
    assert tracked.stdout.strip() == "", "remove .venv from the repository: `git rm --cached .venv`"


def test_every_registry_package_is_installed_by_a_wheel():
    # a package missing from pyproject's list works in an editable install and
    # is absent from a wheel: the README's first command would fail
    import tomllib

    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    folders = {f"unisample.adapters.{p.parent.name}" for p in (ROOT / "adapters").glob("*/__init__.py")}
    assert folders <= listed, sorted(folders - listed)


def test_no_function_is_ranked_worse_than_c_by_radon():
    """radon's cyclomatic complexity (``radon cc -s -n D unisample adapters
    conformance`` lists nothing): every function and method at most 20, rank C.
    A long function of many branches is split by concern or made a table."""
    complexity = pytest.importorskip("radon.complexity", reason="radon comes with the lint extra")
    worse = []
    for folder in ("unisample", "adapters", "conformance"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            for block in complexity.cc_visit(path.read_text()):
                for item in [block, *getattr(block, "methods", [])]:
                    if item.complexity > 20:
                        worse.append(f"{path.relative_to(ROOT)}:{item.lineno} {item.name} {item.complexity}")
    assert worse == []
