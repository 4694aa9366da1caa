"""OpenCV (``cv2.resize``): a preprocessing library, not an array framework.
Its images are numpy arrays (HWC); its package holds its vocabulary
(``Upsample.from_opencv``, the calls ``port`` writes, ``native_kwargs``: where
``cv2.resize`` computes a spec) and its conformance catalogue.  Nothing here
imports OpenCV."""

NAME = "cv2"  # its import name
