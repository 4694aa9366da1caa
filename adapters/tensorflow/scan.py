"""What ``unisample scan`` looks for in a Keras model (or a ``.keras`` file):
its UpSampling and Resizing layers, nested models included, and unisample's
own layers; run on an example input (``run``), also the layers created inside
a ``call`` and every ``keras.ops.image.resize`` / ``tf.image.resize`` call (in
a ``Lambda`` or a subclassed model's ``call``); and how ``rewrite`` clones the
model with unisample's layers."""

from __future__ import annotations

import os
import sys
from typing import List, Tuple

from unisample import scanning
from unisample.scanning import Found, Recorder, call_site, own_spec, read, replaced_everywhere
from unisample.spec import Upsample

SOURCE = "keras"  # the port target a scanned model comes from
ROOTS = ("keras", "tensorflow", "tf_keras")  # the packages its model classes live in
SUFFIXES = (".keras", ".h5")  # model files it reads
KIND = "a Keras model"

LAYERS = ("UpSampling1D", "UpSampling2D", "UpSampling3D", "Resizing")


def _layers(model, prefix: str = ""):
    """``(path, layer)`` for every layer of ``model``, nested models entered (``inner/up``)."""
    for layer in getattr(model, "layers", []):
        path = prefix + layer.name
        yield path, layer
        if getattr(layer, "layers", None):
            yield from _layers(layer, path + "/")


def _own_code(layer) -> bool:
    """Whether ``layer`` runs code a static scan cannot read: a ``Lambda``, or a
    ``call`` written outside Keras and unisample (a subclassed layer or model)."""
    call = type(layer).call
    return type(layer).__name__ == "Lambda" or not call.__module__.startswith(("keras.", "unisample."))


def found(model) -> List[Found]:
    """The resizes of ``model`` (a Keras model or the path of a saved one), and a
    row for the layers whose code only a run can see (``Lambda``, subclassed
    ``call``): their resizes are not counted, nor silently left out."""
    if isinstance(model, (str, os.PathLike)):
        model = load(os.fspath(model))
    out = []
    for path, layer in [("", model)] + list(_layers(model)):
        spec = own_spec(layer)
        if spec is not None:
            out.append(Found(path or "(root)", "unisample layer", spec))
        elif type(layer).__name__ in LAYERS:
            out.append(read(path, f"keras.layers.{type(layer).__name__}", Upsample.from_keras, layer))
    unseen = [path or "(root)" for path, layer in [("", model)] + list(_layers(model))
              if own_spec(layer) is None and _own_code(layer)]
    if unseen:
        listed = ", ".join(unseen[:5]) + (f" and {len(unseen) - 5} more" if len(unseen) > 5 else "")
        out.append(Found("(call)", "keras.ops.image.resize", None,
                         f"{scanning.NOT_ANALYSED}: resizes and layers inside the code of {listed} (Lambda or a "
                         f"subclassed call) are only found by running; {scanning.RUN_HINT}"))
    return out


#: the resize functions a run records: (module, attribute, what a row calls it,
#: the reader's "function", its parameters after the input in order)
_FUNCTIONS = (
    ("keras.src.ops.image", "resize", "keras.ops.image.resize", "keras.ops.image.resize",
     ("size", "interpolation", "antialias", "crop_to_aspect_ratio", "pad_to_aspect_ratio", "fill_mode",
      "fill_value", "data_format")),
    ("tensorflow.python.ops.image_ops_impl", "resize_images_v2", "tf.image.resize", "tf.image.resize",
     ("size", "method", "preserve_aspect_ratio", "antialias", "name")),
    ("keras.src.ops.nn", "depth_to_space", "keras.ops.depth_to_space", "keras.ops.depth_to_space",
     ("block_size", "data_format")),
    ("keras.src.ops.nn", "space_to_depth", "keras.ops.space_to_depth", "keras.ops.space_to_depth",
     ("block_size", "data_format")),
    ("tensorflow.python.ops.array_ops", "depth_to_space_v2", "tf.nn.depth_to_space", "tf.nn.depth_to_space",
     ("block_size", "data_format", "name")),
    ("tensorflow.python.ops.array_ops", "space_to_depth_v2", "tf.nn.space_to_depth", "tf.nn.space_to_depth",
     ("block_size", "data_format", "name")),
)


def _plain(value):
    """An argument as ``from_keras`` reads it: tensors and lists as Python numbers and tuples."""
    if hasattr(value, "shape") and hasattr(value, "dtype"):  # a tensor of any backend, or numpy
        import numpy as np

        value = np.asarray(value).tolist()
    if isinstance(value, (list, tuple)):
        return tuple(_plain(v) for v in value)
    return value


def _reader(function: str, names):
    """``Recorder.wrapped``'s ``read_call`` for ``function``: its arguments as
    ``from_keras`` reads them (``data_format=None`` as Keras resolves it), and the
    input's shape."""

    def read_call(args, kwargs):
        import keras

        kw = {**dict(zip(names, args[1:])), **kwargs}
        images = args[0] if args else kw.pop("images", kw.pop("x", kw.pop("input", None)))
        kw = {k: _plain(v) for k, v in kw.items() if k != "name"}
        if function == "keras.ops.image.resize":
            kw["data_format"] = kw.get("data_format") or keras.config.image_data_format()
        return {"function": function, **kw}, images

    return read_call


def _path(stack: list, layer) -> str:
    """A layer's name under the layers running around it (``inner/up``); the model itself is ``""``."""
    return "/".join([name for name in stack[1:]] + [layer.name]) if stack else ""


def run(model, example_input, substitute=None) -> Tuple[List[Found], object]:
    """The resizes ``model`` runs on ``example_input`` (a tensor of the model's
    backend or a numpy array), recorded as they execute with ``training=False``:
    every layer call (nested models, and layers created inside a ``call``, seen
    through ``keras.layers.Layer.__call__``), and every ``keras.ops.image.resize``
    and ``tf.image.resize`` call made outside a resize layer (a ``Lambda``, a
    subclassed model's ``call``), read on the model's backend; and the model's
    output (``substitute``: see ``Recorder``)."""
    import importlib

    import keras

    if isinstance(model, (str, os.PathLike)):
        model = load(os.fspath(model))
    skip = tuple(os.path.dirname(str(sys.modules[name].__file__)) + os.sep
                 for name in ("keras", "tensorflow", "jax", "torch") if name in sys.modules) + (__file__,)
    from .vocabulary import spec_of

    recorder = Recorder(LAYERS, "keras", spec_of, layer_reader=Upsample.from_keras, label="keras.layers",
                        substitute=substitute)
    outer = sys._getframe()
    replacements = {}
    for module_name, attribute, what, function, names in _FUNCTIONS:
        if module_name.partition(".")[0] not in sys.modules:
            continue  # tf.image.resize runs only where TensorFlow is loaded
        original = getattr(importlib.import_module(module_name), attribute)
        replacements[original] = recorder.wrapped(original, what, _reader(function, names), skip, outer)
    layer_class = keras.layers.Layer
    original_call = layer_class.__call__
    running: list = []  # the names of the layers running now, outermost first

    def call(layer, *args, **kwargs):
        data = args[0] if args else next(iter(kwargs.values()), None)
        shape = tuple(int(n) for n in data.shape) if hasattr(data, "shape") and None not in data.shape else ()
        row = recorder.enter(_path(running, layer), layer, shape, call_site(skip, outer))
        running.append(layer.name)
        try:
            out = recorder.substituted(row, data)
            return out if out is not None else original_call(layer, *args, **kwargs)
        finally:
            running.pop()
            recorder.leave()

    layer_class.__call__ = call
    try:
        with replaced_everywhere(replacements):
            output = model(example_input, training=False)
    finally:
        layer_class.__call__ = original_call
    return recorder.found(), output


def rewrite(model):
    """``(clone, replaced, kept)``: a clone of ``model`` whose Keras resize layers
    are unisample layers of the same name, nested Sequential and Functional
    models entered; ``replaced``, their paths; ``kept``, ``(path, why)`` for the
    layers whose resizes it cannot rewrite, which the clone shares with
    ``model``: a ``Lambda`` (its function is code: not deserialised) and a
    subclassed layer (its ``call`` is code).  Every other layer is rebuilt
    from its config and given its original's weights, layer by layer."""
    import keras

    from .layers import Upsample as Layer

    replaced: List[str] = []
    kept: List[tuple] = []
    copies: List[tuple] = []  # (original, clone): weights copied by identity, not by flat order
    paths = {id(layer): path for path, layer in _layers(model)}

    def clone(layer):
        path = paths.get(id(layer), layer.name)
        if own_spec(layer) is None and type(layer).__name__ in LAYERS:
            try:
                spec = Upsample.from_keras(layer)
            except (ValueError, TypeError) as e:
                kept.append((path, f"not rewritten: {e}"))
            else:
                replaced.append(path)
                return Layer(spec, name=layer.name)
        elif own_spec(layer) is None and _own_code(layer):
            what = "a Lambda (its function is code)" if type(layer).__name__ == "Lambda" else \
                f"a subclassed {type(layer).__name__} (its call is code)"
            kept.append((path, f"{what}: shared with the original, its resizes stay Keras'; scan it with "
                               "--input-shape to see them, and build them with Upsample(...).to_keras()"))
            return layer
        new = layer.__class__.from_config(layer.get_config())
        copies.append((layer, new))
        return new

    if _own_code(model):
        raise ValueError(f"rewrite: {model.name} is a subclassed {type(model).__name__}: its call is code "
                         "unisample cannot rewrite; build its resizes with Upsample(...).to_keras() in that code "
                         "(scan it with --input-shape to list them)")
    new = keras.models.clone_model(model, clone_function=clone, recursive=True)
    for original, copy in copies:
        if original.weights:
            copy.set_weights(original.get_weights())
    return new, replaced, kept


def load(path: str):
    """The Keras model saved at ``path``, unisample's layers included."""
    import keras

    from . import layers  # noqa: F401  (registers unisample's layer for loading)

    return keras.models.load_model(path)


def save(model, path: str) -> None:
    """Write ``model`` to ``path`` (ending in ``SUFFIXES[0]``)."""
    model.save(path)
