"""Everything is declared in pyproject.toml; this adds one build step.

``build_py`` also writes ``_unisample_keras.py`` (from
``adapters/keras_autoload.py``) and ``unisample-keras.pth`` beside the
packages, so that a wheel install registers unisample's Keras layer whenever
Keras is imported (``keras.models.load_model`` of a saved model that holds
the layer then needs no import of unisample).  Editable installs do not get
the hook: there, ``import unisample`` before loading.
"""

import os

from setuptools import setup
from setuptools.command.build_py import build_py

HOOK = "_unisample_keras"


class BuildWithKerasHook(build_py):
    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return
        self.copy_file(os.path.join("adapters", "keras_autoload.py"), os.path.join(self.build_lib, f"{HOOK}.py"))
        with open(os.path.join(self.build_lib, "unisample-keras.pth"), "w") as f:
            f.write(f"import {HOOK}\n")

    def get_outputs(self, include_bytecode=1):
        extra = [] if getattr(self, "editable_mode", False) else [
            os.path.join(self.build_lib, name) for name in (f"{HOOK}.py", "unisample-keras.pth")]
        return super().get_outputs(include_bytecode) + extra


setup(cmdclass={"build_py": BuildWithKerasHook})
