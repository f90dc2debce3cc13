"""heterocosm's engine: everything that runs a world.

Sub-packages: ``rules`` (the world data model, pure data), ``sim`` (simulation, never draws),
``render`` and ``app`` (OpenGL, window), ``audio`` (acoustics), ``language`` (invented languages at
run time), ``agents``, ``xr`` (OpenXR bridge) and ``cli``. Nothing here touches GL, audio devices or
a language model at import time. ``engine`` never imports ``generators`` (only the CLI does).
"""

__version__ = "0.1.0"
