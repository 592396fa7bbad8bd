"""The Brian2 backend of pynn_glif3: GLIF3Alpha on ``pyNN.brian2``.

With PyNN nothing here needs calling::

    import pyNN.brian2 as sim
    from pynn_glif3 import GLIF3Alpha
    sim.setup(timestep=1.0, min_delay=1.0)
    cells = sim.Population(300, GLIF3Alpha(v_thresh=..., ...))

The neurons are a Brian2 ``NeuronGroup`` without differential equations: the training model's
step is Brian2 code that runs once per time step (:mod:`.cells`), with the constants of
:func:`pynn_glif3.model.propagators.propagators`.  Brian2 reads a spike one step later than NEST
does for the same delay; the binding gives connections onto GLIF3Alpha one step less inside
Brian2, so that ``docs/timing.md`` holds unchanged (:mod:`.pynn_patches`).  docs/brian2.md
describes it, with the measured speed.

Layout: ``cells`` (the cell type and its NeuronGroup), ``pynn_patches`` (what pyNN.brian2 needs
adapted), ``connect`` (bulk connections), ``noise`` (per-step receptor input), ``backend`` (the
backend object).  Importing this package imports neither Brian2 nor PyNN.
"""
