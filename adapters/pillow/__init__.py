"""Pillow (``PIL.Image.Image.resize``): a preprocessing library, not an array
framework.  Its images are numpy arrays to unisample (``vocabulary.to_nhwc``);
its package holds its vocabulary (``Upsample.from_pillow``, the calls ``port``
writes) and its conformance catalogue.  Nothing here imports Pillow."""

NAME = "PIL"  # its import name
