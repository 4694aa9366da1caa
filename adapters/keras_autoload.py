"""Registers unisample's Keras layer whenever Keras is imported.

Installed from a wheel, unisample puts this module in site-packages as
``_unisample_keras`` with a one-line ``unisample-keras.pth`` that imports it
at interpreter start (``setup.py``).  It uses the standard library only and
does nothing until something imports ``keras``; then, once Keras is loaded,
it imports ``unisample.adapters.tensorflow.layers``, whose class is registered
with ``keras.saving.register_keras_serializable``.  So
``keras.models.load_model`` finds the layer in a saved model with only
``import keras``: Keras itself imports nothing outside its own packages
when it deserialises.  A failure to register never breaks Keras' import.
"""

import sys
from importlib.abc import MetaPathFinder
from importlib.util import find_spec


class KerasImported(MetaPathFinder):
    """A finder that answers only for ``keras``: the real spec, whose loader
    imports unisample's layer after running Keras' ``__init__``."""

    def find_spec(self, name, path=None, target=None):
        if name != "keras":
            return None
        if self in sys.meta_path:
            sys.meta_path.remove(self)  # once; the real finders answer from here on
        spec = find_spec("keras")
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        run_keras = spec.loader.exec_module

        def exec_module(module):
            run_keras(module)
            try:
                import unisample.adapters.tensorflow.layers  # noqa: F401  (registers the layer)
            except Exception:  # unisample broken or half installed: Keras works without the layer
                pass

        spec.loader.exec_module = exec_module
        return spec


def install() -> None:
    """Put the finder first on ``sys.meta_path`` unless Keras is imported already
    or a finder of this kind (the wheel's copy, or this one) is there."""
    if "keras" not in sys.modules and not any(type(f).__name__ == "KerasImported" for f in sys.meta_path):
        sys.meta_path.insert(0, KerasImported())


def register() -> None:
    """What ``import unisample`` runs (an editable install has no ``.pth``): the
    layers registered now where Keras is imported already, else when it is."""
    if "keras" not in sys.modules:
        install()
        return
    try:
        import unisample.adapters.tensorflow.layers  # noqa: F401  (registers the layer)
    except Exception:  # a Keras that cannot load the layer: Keras works without it
        pass


install()
