"""What ``unisample scan`` looks for in a paddle ``Layer``: its resize
sublayers and unisample's own layers."""

from __future__ import annotations

from typing import List

from unisample.scanning import Found, layers_found
from unisample.spec import Upsample

SOURCE = "paddle"  # the port target a scanned model comes from
ROOTS = ("paddle",)  # the packages its model classes live in
SUFFIXES = ()  # model files it reads
KIND = "a paddle Layer"

LAYERS = ("Upsample", "UpsamplingBilinear2D", "UpsamplingNearest2D")


def found(model) -> List[Found]:
    """The resizes of ``model``: its sublayers, itself included."""
    return layers_found(model.named_sublayers(include_self=True), LAYERS, "paddle.nn", Upsample.from_paddle)
