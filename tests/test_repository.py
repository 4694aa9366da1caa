"""The repository's promises: CI runs the README's test command."""

import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_ci_runs_exactly_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text().strip().splitlines()[-1]
    readme = (ROOT / "README.md").read_text()
    assert ci in readme, f"the README must show CI's command: {ci}"


def test_readme_main_job_command_runs_conformance():
    readme = (ROOT / "README.md").read_text()
    assert re.search(r"pip install .*unisample|pip install .*\[all-cpu\].*&& unisample conformance", readme)
