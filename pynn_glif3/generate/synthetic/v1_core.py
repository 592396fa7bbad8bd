"""Sizes of the Billeh V1 core that the defaults and the in-degrees are scaled to."""

FULL_N_NEURONS = 51978
FULL_N_RECURRENT = 14_441_124
FULL_N_INPUT = 786_405
DEFAULT_N_LGN = 17400
#: Radius of the core's cylinder; smaller networks keep its density.
CORE_RADIUS_UM = 400.0
