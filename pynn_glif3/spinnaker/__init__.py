"""The SpiNNaker port of GLIF3Alpha: host side of ``native/spinnaker``.

* :mod:`.layout` -- struct layouts, host-computed constants, sPyNNaker's encoding;
* :mod:`.fixed_point` -- a NumPy model of the port, bit-identical to the C
  (``simulate`` runs a network "as SpiNNaker would");
* :mod:`.harness` -- builds the C headers for the ARM968 and runs them under qemu-arm;
* :mod:`.tolerance` -- the derived bound on the fixed-point error against the float64 reference,
  and the firing-rate criteria for networks;
* :mod:`.structs` -- the same structs as sPyNNaker ``Struct`` objects (imports sPyNNaker when used);
* :mod:`.binding` -- GLIF3Alpha for ``pyNN.spiNNaker``: component classes, cell type, signed
  projections (imports sPyNNaker; used automatically once ``pyNN.spiNNaker`` is imported).

Apart from :mod:`.structs` and :mod:`.binding` nothing here imports sPyNNaker; numpy is enough
(plus the ARM toolchain and qemu for the harness).  Design and measurements: docs/spinnaker.md.
"""
