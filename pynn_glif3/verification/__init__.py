"""Verification tools: run a network on a backend the way tests and benchmarks need and read it
back as oracle results.  They import the backends and the oracles; nothing imports them but
tests, benchmarks and jobs that compare.

* :mod:`.nest_replay` -- a network of arrays on NEST through PyNN or PyNEST (also NEST's glif_psc);
* :mod:`.genn_harness` -- the GeNN snippets stepped by g++ in GeNN's order;
* :mod:`.spinnaker_fixed_point` -- a NumPy model of the SpiNNaker C, bit for bit;
* :mod:`.spinnaker_harness` -- the SpiNNaker C built for the ARM968 and run under qemu;
* :mod:`.spinnaker_tolerance` -- the derived fixed-point error bound against the reference.
"""
