"""The seed learner's update_global_params (DESIGN section 4) written with numpy: the
baseline a Python user would otherwise have, timed by python_bindings.py. Not the research
prototype (its code is not in this repository); the same documented rules, vectorised.
"""
import numpy as np

BOUNDS = {"sigma": (0.1, 0.5), "tau": (0.05, 0.3), "radius": (5, 20), "sigma_s": (5, 20), "sigma_f": (0.1, 0.5)}


def features(patches, centers):
    """texture, structure, colour, spatial of (N, p, p, C) patches with (N, 2) centers."""
    texture_each = patches.std(axis=(1, 2)).mean(axis=1)
    dx = np.abs(np.diff(patches, axis=2)).mean(axis=(1, 2, 3))
    dy = np.abs(np.diff(patches, axis=1)).mean(axis=(1, 2, 3))
    structure = ((dx + dy) / 2).mean()
    colour = patches.std(axis=3).mean() if patches.shape[3] > 1 else 0.0

    def spread(w):
        mean = (w[:, None] * centers).sum(0) / w.sum()
        return np.sqrt((w * ((centers - mean) ** 2).sum(1)).sum() / w.sum())

    plain = spread(np.ones(len(centers)))
    spatial = 0.5 if texture_each.sum() <= 0 or plain <= 0 else spread(texture_each) / plain
    return np.clip([texture_each.mean() / 0.1, structure / 0.1, colour / 0.1, spatial], 0, 1)


class NumpyLearner:
    def __init__(self):
        self.params = {"sigma": 0.3, "tau": 0.1, "radius": 10.0, "sigma_s": 10.0, "sigma_f": 0.3}
        self.loss_history, self.attention = [], []

    def update_global_params(self, loss, smoothness, patches=None, centers=None):
        self.loss_history.append(loss)
        if patches is not None:
            z = np.exp(2 * features(patches, centers))
            w = z / z.sum()
            self.attention.append(w)
        else:
            w = np.full(4, 0.25)
        if len(self.loss_history) >= 2:
            p = self.params
            if self.loss_history[-1] - self.loss_history[-2] > 0:
                p["sigma"] *= 1 - 0.02 * (w[0] + w[2])
                p["tau"] *= 1 - 0.05 * (w[3] + w[1])
            else:
                p["sigma"] = min(0.5, p["sigma"] * (1 + 0.02 * (w[2] + w[0])))
                p["tau"] = min(0.3, p["tau"] * (1 + 0.05 * (w[3] + w[1])))
        for k, (lo, hi) in BOUNDS.items():
            self.params[k] = min(hi, max(lo, self.params[k]))
