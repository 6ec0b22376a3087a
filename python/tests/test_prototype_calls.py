"""A script written for the research prototype's EMParameterLearning runs unchanged on
lidecm's (issue 27): every method called in the prototype's own forms, positional and by
keyword, checked against the seed's rules (DESIGN section 4) written out here step by step,
with the prototype's return types."""
import math

import numpy as np
import pytest
import scipy.sparse as sp

import lidecm

HEADS = ("texture", "structure", "color", "spatial")
BOUNDS = {"sigma": (0.1, 0.5), "tau": (0.05, 0.3), "radius": (5.0, 20.0), "sigma_s": (5.0, 20.0),
          "sigma_f": (0.1, 0.5)}


def head_scores(patches, centers):
    """The documented head scores, one patch at a time (the C++ does it in blocks)."""
    rows = []
    for patch in patches.astype(np.float64):
        pixel_std = patch.reshape(-1, patch.shape[-1]).std(axis=0).mean()
        edges = (np.abs(patch[:, 1:] - patch[:, :-1]).mean() + np.abs(patch[1:] - patch[:-1]).mean()) / 2
        across = patch.std(axis=-1).mean()
        rows.append((pixel_std, edges, across))
    rows = np.array(rows)
    weights = rows[:, 0]

    def spread(w):
        centre = np.average(centers, axis=0, weights=w)
        return math.sqrt(np.average(((centers - centre) ** 2).sum(axis=1), weights=w))

    spatial = spread(weights) / spread(np.ones(len(centers))) if weights.sum() > 0 else 0.5
    return [min(1.0, rows[:, 0].mean() / 0.1), min(1.0, rows[:, 1].mean() / 0.1), min(1.0, rows[:, 2].mean() / 0.1),
            min(1.0, spatial)]


class SeedRules:
    """The seed learner, written from DESIGN section 4 with the prototype's method names."""

    def __init__(self, num_classes):
        self.params = {"sigma": 0.3, "tau": 0.1, "radius": 10.0, "sigma_s": 10.0, "sigma_f": 0.3}
        self.loss_history, self.sigmas, self.taus = [], [], []
        self.attention = {h: [] for h in HEADS}
        self.classes = {c: {"sigma": 0.3, "tau": 0.1, "smooth_steps": 5, "loss_history": [], "param_history": []}
                        for c in range(num_classes)}

    @staticmethod
    def attention_of(t, s, c, p):
        z = [math.exp(2 * min(1.0, max(0.0, v))) for v in (t, s, c, p)]
        return {h: v / sum(z) for h, v in zip(HEADS, z)}

    @staticmethod
    def step(base, w, delta):
        out = dict(base)
        if delta > 0:
            out["sigma"] *= 1 - 0.02 * (w["texture"] + w["color"])
            out["tau"] *= 1 - 0.05 * (w["spatial"] + w["structure"])
        else:
            out["sigma"] = min(0.5, out["sigma"] * (1 + 0.02 * (w["color"] + w["texture"])))
            out["tau"] = min(0.3, out["tau"] * (1 + 0.05 * (w["spatial"] + w["structure"])))
        return out

    def update_global(self, loss, patches=None, centers=None):
        self.loss_history.append(loss)
        w = {h: 0.25 for h in HEADS}
        if patches is not None:
            w = self.attention_of(*head_scores(patches, centers))
            for h in HEADS:
                self.attention[h].append(w[h])
        if len(self.loss_history) > 1:
            self.params.update(self.step(self.params, w, self.loss_history[-1] - self.loss_history[-2]))
        for k, (lo, hi) in BOUNDS.items():
            self.params[k] = min(hi, max(lo, self.params[k]))
        self.sigmas.append(self.params["sigma"])
        self.taus.append(self.params["tau"])

    def update_class(self, c, loss, smoothness):
        p = self.classes[c]
        p["loss_history"].append(loss)
        avg = np.mean(p["loss_history"][-5:]) if len(p["loss_history"]) >= 5 else loss
        if avg > 0.5:
            p["smooth_steps"] = min(10, p["smooth_steps"] + 1)
        elif avg < 0.2:
            p["smooth_steps"] = max(2, p["smooth_steps"] - 1)
        if smoothness > 0.7:
            p["sigma"], p["tau"] = min(0.5, p["sigma"] * 1.02), min(0.3, p["tau"] * 1.02)
        elif smoothness < 0.3:
            p["sigma"], p["tau"] = max(0.1, p["sigma"] * 0.98), max(0.05, p["tau"] * 0.98)
        p["param_history"].append({"sigma": p["sigma"], "tau": p["tau"], "steps": p["smooth_steps"]})


def graph_of(n, rng):
    """A random symmetric patch graph W and a diffused similarity S on its pattern."""
    W = sp.random(n, n, density=0.08, random_state=np.random.RandomState(int(rng.integers(1 << 30))), format="csr")
    W = (W + W.T).tocsr()
    S = W.copy()
    S.data = np.tanh(rng.random(S.nnz))
    return S, W


def test_a_prototype_training_loop_runs_unchanged_and_follows_the_seed_rules():
    rng = np.random.default_rng(27)
    learner = lidecm.EMParameterLearning(4, 0.01, 5, 4, 64)  # the prototype's positional constructor
    ref = SeedRules(4)
    for step in range(14):
        patches = rng.random((30, 8, 8, 3)).astype(np.float32) * rng.random()
        centers = rng.integers(0, 64, (30, 2)).astype(np.float64)
        # The prototype's own chain: scores as an array, unpacked into four positional scores.
        scores = learner.compute_patch_features(patches, centers)
        assert isinstance(scores, np.ndarray) and scores.shape == (4,)
        assert scores.tolist() == pytest.approx(head_scores(patches, centers), abs=1e-5)
        weights = learner.compute_attention_weights(*scores)
        assert list(weights) == list(HEADS) and all(type(v) is float for v in weights.values())
        assert weights == pytest.approx(ref.attention_of(*scores), abs=1e-12)
        S, W = graph_of(40, rng)
        smooth = learner.estimate_smoothness(S, patches, W)
        expected = 0.5 * min(1.0, S.data.mean()) + 0.5 * min(1.0, W.nnz / (5 * 40))
        assert type(smooth) is float and smooth == pytest.approx(expected, abs=1e-12)
        recon, percep = rng.random() * 0.3, rng.random() * 0.3
        loss = learner.compute_loss_proxy(recon, percep, smooth)
        assert loss == pytest.approx(recon + percep - 0.1 * smooth, abs=1e-15)
        if step % 3 == 0:
            learner.update_global_params(loss, smooth)  # no patches: uniform attention
            ref.update_global(loss)
        else:
            learner.update_global_params(loss, smooth, patches, centers)  # positional patches and centers
            ref.update_global(loss, patches, centers)
        c = step % 4
        learner.update_class_params(c, loss * 3, smooth)
        ref.update_class(c, loss * 3, smooth)
        assert learner.get_parameters() == pytest.approx({**ref.params, "smooth_steps": 5}, abs=1e-6)
        expected_class = {**ref.params, "sigma": ref.classes[c]["sigma"], "tau": ref.classes[c]["tau"],
                          "smooth_steps": ref.classes[c]["smooth_steps"]}
        assert learner.get_parameters(c) == pytest.approx(expected_class, abs=1e-6)
    # The prototype's attribute histories.
    assert learner.loss_history == pytest.approx(ref.loss_history, abs=1e-15)
    assert learner.param_updates["sigma"] == pytest.approx(ref.sigmas, abs=1e-6)
    assert learner.param_updates["tau"] == pytest.approx(ref.taus, abs=1e-6)
    assert learner.param_updates["steps"] == []
    assert {h: len(v) for h, v in learner.attention_weights.items()} == {h: 9 for h in HEADS}
    assert learner.attention_weights["spatial"] == pytest.approx(ref.attention["spatial"], abs=1e-6)
    for c in range(4):
        ours, theirs = learner.class_params[c], ref.classes[c]
        assert ours["loss_history"] == pytest.approx(theirs["loss_history"], abs=1e-15)
        assert [{k: e[k] for k in ("sigma", "tau", "steps")} for e in ours["param_history"]] == \
            pytest.approx(theirs["param_history"], abs=1e-12)
        assert ours["head_weights"].tolist() == [0.25] * 4
    status = learner.get_status()
    assert status == {"global_sigma": f"{ref.params['sigma']:.4f}", "global_tau": f"{ref.params['tau']:.4f}",
                      "global_radius": "10.00", "avg_loss": f"{np.mean(ref.loss_history[-5:]):.4f}"}
    assert {h: v.tolist() for h, v in learner.attention_heads.items()} == {h: [0.25] * 4 for h in HEADS}
    assert sorted(learner.head_params) == [0, 1, 2, 3]


def test_every_method_takes_the_prototypes_keywords():
    L = lidecm.EMParameterLearning(num_classes=3)
    w = L.compute_attention_weights(texture_score=0.8, structure_score=0.3, color_score=0.6, spatial_score=0.5)
    assert w == L.compute_attention_weights(0.8, 0.3, 0.6, 0.5)
    assert w["texture"] == pytest.approx(math.exp(1.6) / sum(math.exp(2 * v) for v in (0.8, 0.3, 0.6, 0.5)))
    moved = L.weighted_parameter_update(base_params={"sigma": 0.3, "tau": 0.1}, attention_weights=w, loss_delta=0.2)
    assert moved["sigma"] == pytest.approx(0.3 * (1 - 0.02 * (w["texture"] + w["color"])), abs=1e-15)
    assert L.compute_loss_proxy(recon_loss=0.1, percep_loss=0.2, smoothness_score=0.5) == pytest.approx(0.25)
    S, W = graph_of(20, np.random.default_rng(1))
    assert L.estimate_smoothness(S_smooth=S, patches=None, W=W) == L.estimate_smoothness(S, None, W)
    patches = np.random.default_rng(2).random((10, 8, 8, 3)).astype(np.float32)
    centers = np.arange(20, dtype=np.float64).reshape(10, 2)
    L.update_global_params(loss_value=0.4, smoothness_score=0.5, patches=patches, centers=centers)
    L.update_class_params(class_idx=2, loss_value=0.9, smoothness_score=0.8)
    assert L.get_parameters(class_idx=2)["smooth_steps"] == 6
    assert len(L.attention_weights["color"]) == 1


def test_the_extra_forms_stay_and_half_given_scores_are_refused():
    L = lidecm.EMParameterLearning
    four = L.compute_attention_weights(0.8, 0.3, 0.6, 0.5)
    assert L.compute_attention_weights({"texture": 0.8, "structure": 0.3, "color": 0.6, "spatial": 0.5}) == four
    assert L.compute_attention_weights([0.8, 0.3, 0.6, 0.5]) == four
    assert L.compute_attention_weights(features=np.array([0.8, 0.3, 0.6, 0.5])) == four
    patches = np.random.default_rng(3).random((12, 8, 8, 3)).astype(np.float32)
    centers = np.arange(24, dtype=np.float64).reshape(12, 2)
    from_patches = L.compute_attention_weights(*L.compute_patch_features(patches, centers))
    assert L.compute_attention_weights(patches, centers) == from_patches
    assert L.compute_attention_weights(patches=patches, centers=centers) == from_patches
    assert L.compute_attention_weights(patches, centers=centers) == from_patches
    # Scores outside [0, 1] are clipped, as the prototype did.
    assert L.compute_attention_weights(1.7, -0.2, 0.6, 0.5) == L.compute_attention_weights(1.0, 0.0, 0.6, 0.5)
    assert L.compute_loss_proxy(0.1, 0.2, smoothness=0.5) == L.compute_loss_proxy(0.1, 0.2, 0.5)
    with pytest.raises(ValueError, match="^compute_attention_weights: give all four scores; color_score, spatial_score"):
        L.compute_attention_weights(0.8, 0.3)
    with pytest.raises(ValueError, match="^smoothness_score: give it once"):
        L.compute_loss_proxy(0.1, 0.2)
    dense_S, dense_W = np.array([[0.0, 0.4], [0.6, 0.0]]), np.array([[0, 1], [1, 0]])
    assert L.estimate_smoothness(dense_S, None, dense_W) == pytest.approx(0.5 * 0.5 + 0.5 * 2 / 10)
    assert L.estimate_smoothness(sp.csr_matrix((2, 2)), None, dense_W) == 0.0
    with pytest.raises(ValueError, match="^S_smooth: expected a 2-D matrix"):
        L.estimate_smoothness(np.zeros(3), None, dense_W)
