"""Networks and stimuli made by the package: the synthetic V1 (:mod:`.synthetic`), random
GLIF3Alpha networks for tests and benchmarks (:mod:`.random_network`) and the digits task's LGN
encoding (:mod:`.digits`).  They write the users' file formats through :mod:`pynn_glif3.io`."""
