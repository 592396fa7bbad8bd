"""Local sources: neurons of a class found near a point of the column's x-z disk."""

import math

import numpy as np


class SpatialIndex:
    """Neurons of one class bucketed on a square grid in the x-z plane."""

    def __init__(self, members, positions, radius):
        self.members = members
        self.n = members.size
        if self.n == 0:
            return
        area = math.pi * radius ** 2
        # about 6 members per bin; never below 30 µm
        self.bin = max(30.0, math.sqrt(area * 6.0 / self.n))
        self.side = int(math.ceil(2.0 * radius / self.bin)) + 1
        self.radius = radius
        b = self._bin(positions[members, 0], positions[members, 2])
        order = np.argsort(b, kind="stable")
        self.sorted = members[order]
        counts = np.bincount(b, minlength=self.side * self.side)
        self.start = np.concatenate([[0], np.cumsum(counts)[:-1]])
        self.count = counts

    def _bin(self, x, z):
        ix = np.clip(((x + self.radius) / self.bin).astype(np.int64), 0, self.side - 1)
        iz = np.clip(((z + self.radius) / self.bin).astype(np.int64), 0, self.side - 1)
        return iz * self.side + ix

    def sample(self, x, z, rng):
        """One member near each point (x, z); uniform over the class where a bin is empty."""
        b = self._bin(x, z)
        cnt = self.count[b]
        u = rng.random(x.size)
        pick = np.where(cnt > 0, self.start[b] + (u * cnt).astype(np.int64), 0)
        out = self.sorted[np.minimum(pick, self.n - 1)]
        empty = cnt == 0
        if np.any(empty):
            out[empty] = self.members[(u[empty] * self.n).astype(np.int64) % self.n]
        return out


def reflect_into_disk(x, z, radius, rng):
    """Points outside the disk mirrored back across its edge (uniform inside where that overshoots)."""
    r = np.hypot(x, z)
    out = r > radius
    if np.any(out):
        r_new = 2.0 * radius - r[out]
        far = r_new < 0
        r_new[far] = radius * np.sqrt(rng.random(int(far.sum())))
        scale = r_new / np.maximum(r[out], 1e-12)
        x = x.copy()
        z = z.copy()
        x[out] *= scale
        z[out] *= scale
    return x, z

