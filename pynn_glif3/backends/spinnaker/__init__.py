"""The SpiNNaker backend of GLIF3Alpha: the host side of ``native/spinnaker``.

* :mod:`.layout` -- struct layouts, host-computed constants, sPyNNaker's encoding (numpy only);
* :mod:`.structs` -- the same structs as sPyNNaker ``Struct`` objects;
* :mod:`.components` -- the sPyNNaker components (neuron model, threshold, synapse and input type);
* :mod:`.cells` -- GLIF3Alpha as a sPyNNaker model, and a SpikeSourceArray taking PyNN Sequences;
* :mod:`.projections` -- signed projections onto GLIF3Alpha's receptors;
* :mod:`.pynn_patches` -- what pyNN.spiNNaker needs adapted; :mod:`.backend` -- the backend object.

The fixed-point model of the C, its qemu harness and the error bounds are verification tools:
:mod:`pynn_glif3.verification`.  Only :mod:`.layout` works without sPyNNaker.  Design and
measurements: docs/spinnaker.md.
"""
