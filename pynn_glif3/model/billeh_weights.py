"""The Billeh et al. (2020) model's synaptic weight rules: the weight BMTK gives NEST for an edge.

The effective weight of an edge is not its ``syn_weight``:

* no weight function: ``syn_weight * nsyns``;
* ``DirectionRule_others``: ``syn_weight * nsyns * exp(-(d / weight_sigma)^2)`` with the tuning
  difference ``d = ||(|t_tgt - t_src| mod 360) - 180| - 180|`` (degrees, in [0, 180]);
* ``DirectionRule_EE``: the same times a phase factor from the positions,
  ``exp(-p^2 / 2) * (5.5/4 - 11/1680 * s)``, with
  ``p = 0.07 (x_tgt - x_src) cos(t_tgt) + 0.04 (z_tgt - z_src) sin(t_tgt)`` (``t_tgt`` in
  radians) and ``s = |||180 - (|t_tgt| mod 360)| - 90| - 90|`` (degrees).

These are the formulas of the weight functions distributed with the model's BMTK point-neuron
simulation scripts; the SONATA reader (:mod:`pynn_glif3.io.sonata`) applies them.  Each rule takes
the edges' properties and the source and target nodes' attributes as arrays.  Imports numpy only.
"""

import numpy as np


def tuning_difference(src_deg, tgt_deg):
    """Orientation difference in degrees, folded into [0, 180] as the Billeh weight rules do."""
    return np.abs(np.abs(np.mod(np.abs(np.asarray(tgt_deg) - np.asarray(src_deg)), 360.0) - 180.0) - 180.0)


def direction_rule_others(edges, src, tgt):
    """``syn_weight * nsyns * exp(-(d / weight_sigma)^2)``."""
    d = tuning_difference(src["tuning_angle"], tgt["tuning_angle"])
    return edges["syn_weight"] * edges["nsyns"] * np.exp(-(d / edges["weight_sigma"]) ** 2)


def direction_rule_ee(edges, src, tgt):
    """:func:`direction_rule_others` times the position-dependent phase factor of E->E edges."""
    t_tgt = np.asarray(tgt["tuning_angle"], dtype=np.float64)
    d = tuning_difference(src["tuning_angle"], t_tgt)
    tuning = np.exp(-(d / edges["weight_sigma"]) ** 2)
    dx = (tgt["x"] - src["x"]) * 0.07
    dz = (tgt["z"] - src["z"]) * 0.04
    theta = np.deg2rad(t_tgt)
    p = dx * np.cos(theta) + dz * np.sin(theta)
    phase = np.exp(-p ** 2 / 2.0)
    s = np.abs(np.abs(np.abs(180.0 - np.mod(np.abs(t_tgt), 360.0)) - 90.0) - 90.0)
    phase = phase * (5.5 / 4.0 - 11.0 / 1680.0 * s)
    return edges["syn_weight"] * edges["nsyns"] * tuning * phase


def default_weight(edges, src, tgt):
    """``syn_weight * nsyns`` (BMTK's default)."""
    return edges["syn_weight"] * edges["nsyns"]


WEIGHT_FUNCTIONS = {
    None: default_weight,
    "default_weight_fnc": default_weight,
    "DirectionRule_others": direction_rule_others,
    "DirectionRule_EE": direction_rule_ee,
}
#: the node attributes each rule reads
NEEDS = {direction_rule_others: ("tuning_angle",),
          direction_rule_ee: ("tuning_angle", "x", "z"), default_weight: ()}
