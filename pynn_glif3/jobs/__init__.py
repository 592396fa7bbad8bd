"""The jobs: running a trained V1 network on a simulator (:mod:`.v1`), comparing it with the
TensorFlow layer (:mod:`.compare`), training readouts (:mod:`.training`) and converting Keras ANNs
(:mod:`.convert`); :mod:`.parallel` has what a job needs under MPI.  The command line
(:mod:`pynn_glif3.cli`) and the examples are thin shells around them."""
