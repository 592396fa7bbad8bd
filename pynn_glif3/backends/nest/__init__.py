"""The NEST backend of pynn_glif3: the ``glif3_alpha`` extension module and its PyNN binding.

With PyNN nothing here needs calling::

    import pyNN.nest as sim
    from pynn_glif3 import GLIF3Alpha
    sim.setup(timestep=1.0, min_delay=1.0)
    cells = sim.Population(300, GLIF3Alpha(v_thresh=..., ...))

The module is built on first use (C++, about 30 s, cached per NEST version; ``python -m
pynn_glif3 build-nest`` builds it ahead) and loaded into every NEST kernel PyNN creates.  With
PyNEST, call :func:`install` after each ``nest.ResetKernel()`` and before creating nodes.  How
training steps map onto NEST times: ``docs/timing.md`` and :mod:`pynn_glif3.model.timing`; the module
itself: ``docs/nest.md``.

This package imports NEST only when :func:`install` (or the backend) is used; building does not.
Layout: ``build`` (compiling the module), ``kernel`` (loading it), ``cells`` (the cell types),
``pynn_patches`` (what pyNN.nest needs adapted), ``connect`` (bulk connections), ``noise``
(per-step receptor input), ``backend`` (the backend object).
"""

from pynn_glif3.backends.nest.build import (MODEL_NAME, BuildError, build_module, cached_module,
                                            module_path)


def install(build_if_needed=True, verbose=True):
    """Load ``glif3_alpha`` into the current NEST kernel (see :func:`.kernel.install`)."""
    from pynn_glif3.backends.nest.kernel import install as _install
    return _install(build_if_needed=build_if_needed, verbose=verbose)


__all__ = ["MODEL_NAME", "BuildError", "build_module", "cached_module", "module_path", "install"]
