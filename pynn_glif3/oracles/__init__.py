"""The oracles every backend is tested against: the NumPy reference (:mod:`.reference`, float64,
the contract step by step) and the TensorFlow layer (:mod:`.tensorflow`, the training code's cell;
float64 is exact, float32 computes as the training code does)."""
