"""The drop-in EMParameterLearning: the seed's numbers by hand, and a 20-call sequence equal
to the C++ learner's (learner_sequence runs the same calls through the C++ API)."""
import json
import math
import struct
import subprocess

import numpy as np
import pytest

import lidecm
from lidecm import EMParameterLearning as L

HEADS = ("texture", "structure", "color", "spatial")


def test_constructor_takes_the_prototypes_arguments():
    learner = L(num_classes=3, learning_rate=0.05, smoothing_window=5, num_heads=4, embed_dim=32)
    assert (learner.num_classes, learner.learning_rate, learner.embed_dim) == (3, 0.05, 32)
    assert (learner.sigma, learner.tau, learner.radius, learner.sigma_s, learner.sigma_f) == (0.3, 0.1, 10.0, 10.0, 0.3)
    assert learner.loss_history == [] and learner.attention_weights == {h: [] for h in HEADS}
    assert sorted(learner.class_params) == [0, 1, 2] and learner.class_params[2]["smooth_steps"] == 5
    assert learner.rule == "seed"
    with pytest.raises(ValueError, match="^num_heads:"):
        L(num_heads=8)
    with pytest.raises(ValueError, match="^smoothing_window:"):
        L(smoothing_window=3)
    with pytest.raises(ValueError, match="^rule:"):
        L(rule="fast")


def test_attention_is_a_softmax_of_twice_the_scores():
    w = L.compute_attention_weights({"texture": 1.0, "structure": 0.0, "color": 0.0, "spatial": 0.0})
    e2 = math.exp(2.0)
    assert w["texture"] == pytest.approx(e2 / (e2 + 3), abs=1e-12)
    assert w["structure"] == pytest.approx(1 / (e2 + 3), abs=1e-12)
    v = L.compute_attention_weights({"texture": 0.1, "structure": 0.2, "color": 0.3, "spatial": 0.4})
    z = math.exp(0.2) + math.exp(0.4) + math.exp(0.6) + math.exp(0.8)
    assert v["color"] == pytest.approx(math.exp(0.6) / z, abs=1e-12)
    assert sum(v.values()) == pytest.approx(1.0, abs=1e-12)
    assert L.compute_attention_weights([0.3] * 4) == {h: 0.25 for h in HEADS}


def test_weighted_update_follows_the_seed_rules():
    w = {"texture": 0.1, "structure": 0.2, "color": 0.3, "spatial": 0.4}
    up = L.weighted_parameter_update({"sigma": 0.3, "tau": 0.1, "radius": 10.0}, w, +0.01)
    assert up["sigma"] == pytest.approx(0.3 * (1 - 0.02 * 0.4), abs=1e-15)
    assert up["tau"] == pytest.approx(0.1 * (1 - 0.05 * 0.6), abs=1e-15)
    assert up["radius"] == 10.0  # other keys pass through
    down = L.weighted_parameter_update({"sigma": 0.3, "tau": 0.1}, w, -0.5)
    assert (down["sigma"], down["tau"]) == (pytest.approx(0.3 * 1.008, abs=1e-15), pytest.approx(0.1 * 1.03, abs=1e-15))
    capped = L.weighted_parameter_update({"sigma": 0.499, "tau": 0.299}, w, -1)
    assert (capped["sigma"], capped["tau"]) == (0.5, 0.3)
    with pytest.raises(ValueError, match="^base_params: needs 'tau'"):
        L.weighted_parameter_update({"sigma": 0.3}, w, 0.1)


def test_loss_proxy_and_the_global_update_by_hand():
    assert L.compute_loss_proxy(0.2, 0.3, 0.5) == pytest.approx(0.45, abs=1e-15)
    learner = L()
    learner.update_global_params(0.5, 0.6)
    assert learner.sigma == 0.3 and learner.attention_weights["texture"] == []  # uniform: not recorded
    learner.update_global_params(0.7, 0.6)  # loss up, uniform weights
    assert learner.sigma == pytest.approx(0.3 * 0.99, abs=1e-15)
    assert learner.tau == pytest.approx(0.1 * 0.975, abs=1e-15)
    learner.update_global_params(0.6, 0.6)  # down
    assert learner.sigma == pytest.approx(0.3 * 0.99 * 1.01, abs=1e-15)
    assert learner.loss_history == [0.5, 0.7, 0.6]
    assert learner.get_status() == {"global_sigma": "0.3000", "global_tau": "0.0999", "global_radius": "10.00",
                                    "avg_loss": "0.6000"}
    assert L().get_status()["avg_loss"] == "N/A"


def test_class_update_by_hand():
    learner = L(num_classes=2)
    for _ in range(5):
        learner.update_class_params(1, 0.8, 0.8)  # high loss: more steps; smooth: sigma, tau x1.02
    p = learner.get_parameters(1)
    assert p["smooth_steps"] == 10  # +1 a call (before the window fills, each loss is its own mean), capped at 10
    assert p["sigma"] == pytest.approx(0.3 * 1.02 ** 5, abs=1e-12) and p["tau"] == pytest.approx(0.1 * 1.02 ** 5, abs=1e-12)
    assert learner.get_parameters(0)["sigma"] == 0.3
    assert len(learner.class_params[1]["loss_history"]) == 5
    assert set(learner.get_parameters()) == {"sigma", "tau", "radius", "sigma_s", "sigma_f", "smooth_steps"}
    with pytest.raises(ValueError, match="class"):
        learner.update_class_params(2, 0.5, 0.5)


def test_patch_features_have_their_documented_meaning():
    flat = np.full((50, 8, 8, 3), 0.5, np.float32)
    centers = np.stack(np.meshgrid(np.arange(5) * 8 + 4, np.arange(10) * 8 + 4), -1).reshape(-1, 2)
    f = L.compute_patch_features(flat, centers)  # [texture, structure, color, spatial], as the prototype
    assert isinstance(f, np.ndarray) and f.dtype == np.float64 and f.tolist() == [0.0, 0.0, 0.0, 0.5]
    grey = np.zeros((50, 8, 8, 3), np.float32)
    grey[:, :, ::2] = 0.2  # vertical stripes, equal channels
    g = L.compute_patch_features(grey.reshape(50, -1), centers)  # flattened rows read the same
    assert g.tolist() == L.compute_patch_features(grey, centers).tolist()
    # Half the pixels 0.2, half 0: std 0.1 (texture 1.0 after /0.1); |dx| 0.2, |dy| 0: structure 1.0.
    assert g[0] == pytest.approx(1.0, rel=1e-6) and g[1] == pytest.approx(1.0) and g[2] == 0.0
    with pytest.raises(ValueError, match="^centers: expected shape \\(50, 2\\)"):
        L.compute_patch_features(flat, centers[:10])
    with pytest.raises(ValueError, match="^patches: 50 values per row"):
        L.compute_patch_features(np.zeros((50, 50), np.float32), centers)
    with pytest.raises(TypeError, match="^patches: dtype"):
        L.compute_patch_features(np.array([["x"]]), centers)
    with pytest.raises(ValueError, match="^centers: patches and centers go together"):
        L().update_global_params(0.5, 0.5, patches=flat)


def run_both(learner_sequence, tmp_path, calls, p=8, c=3):
    """Runs `calls` through the drop-in and through the C++ API; returns both state lists."""
    blob = [struct.pack("<qqq", len(calls), p, c)]
    mine = []
    learner = L()
    last = {h: 0.25 for h in HEADS}  # the attention the last global update used
    for loss, smooth, cls, patches, corners in calls:
        n = 0 if patches is None else len(patches)
        blob.append(struct.pack("<ddqq", loss, smooth, cls, n))
        if n:
            blob.append(np.ascontiguousarray(patches, "<f4").tobytes())
            blob.append(np.ascontiguousarray(corners, "<i8").tobytes())
        if cls >= 0:
            learner.update_class_params(cls, loss, smooth)
        else:
            learner.update_global_params(loss, smooth, patches, None if patches is None else corners + p / 2)
            last = {h: v[-1] for h, v in learner.attention_weights.items()} if patches is not None \
                else {h: 0.25 for h in HEADS}
        g = learner.get_parameters()
        s = learner.get_status()
        mine.append({"sigma": g["sigma"], "tau": g["tau"], "radius": g["radius"], "sigma_s": g["sigma_s"],
                     "sigma_f": g["sigma_f"], "attention": [last[h] for h in HEADS],
                     "attention_records": len(learner.attention_weights["texture"]),
                     "classes": [[q["sigma"], q["tau"], q["smooth_steps"]] for q in
                                 (learner.get_parameters(k) for k in range(10))],
                     "status": [s["global_sigma"], s["global_tau"], s["global_radius"], s["avg_loss"]]})
    (tmp_path / "calls.bin").write_bytes(b"".join(blob))
    out = subprocess.run([learner_sequence, tmp_path / "calls.bin"], check=True, capture_output=True, text=True).stdout
    return mine, [json.loads(line) for line in out.splitlines()]


def test_a_20_call_sequence_equals_the_cpp_learner_exactly(learner_sequence, tmp_path):
    rng = np.random.default_rng(42)
    calls = []
    for k in range(20):
        loss, smooth = float(rng.uniform(0.05, 0.9)), float(rng.uniform(0, 1))
        if k % 4 == 3:
            calls.append((loss, smooth, int(rng.integers(0, 10)), None, None))  # a class update
        elif k % 5 == 1:
            calls.append((loss, smooth, -1, None, None))  # a global update without patches
        else:
            n = int(rng.integers(30, 120))
            scale = rng.uniform(0.01, 0.3, size=(1, 1, 1, 3)).astype(np.float32)
            patches = np.clip(0.5 + scale * rng.standard_normal((n, 8, 8, 3)), 0, 1).astype(np.float32)
            corners = rng.integers(0, 200, size=(n, 2))
            calls.append((loss, smooth, -1, patches, corners))
    mine, cpp = run_both(learner_sequence, tmp_path, calls)
    assert len(cpp) == 20
    for k, (a, b) in enumerate(zip(mine, cpp)):
        assert a == b, f"call {k}"  # every number exactly
    assert len({s["sigma"] for s in cpp}) > 5  # the sequence did move the parameters


def test_setting_a_parameter_is_seen_by_the_next_update():
    learner = L()
    learner.sigma = 0.45
    learner.tau = 0.9  # out of range: clamped by the next update, as the prototype's clamp does
    learner.update_global_params(0.5, 0.5)
    assert learner.sigma == 0.45 and learner.tau == 0.3
    with pytest.raises(ValueError):
        learner.radius = float("nan")


def test_the_risk_rule_is_an_option():
    learner = L(num_classes=2, rule="risk")
    rng = np.random.default_rng(3)
    flat = np.full((32, 32, 3), 0.5, np.float32)
    busy = np.clip(0.5 + 0.2 * rng.standard_normal((32, 32, 3)), 0, 1).astype(np.float32)
    for image in (flat, busy, flat, busy):
        tiles = lidecm.extract_tiles(image, 8).reshape(-1, 8, 8, 3)
        centers = np.stack(np.meshgrid(np.arange(4) * 8 + 4, np.arange(4) * 8 + 4), -1).reshape(-1, 2)
        learner._cpp.observe(tiles, centers)
    start = learner.image_parameters(busy)
    direction = learner.paired_direction(1)
    plus, minus = learner.perturbed(start, direction, +1), learner.perturbed(start, direction, -1)
    assert plus["sigma"] != minus["sigma"]
    w = {h: 0.25 for h in HEADS}
    for _ in range(5):  # the objective is lower at the + side: the parameters move towards it
        learner.update_paired([(0, w, 0.1, 0.2)], direction, 0.15)
    moved = learner.image_parameters(busy, class_idx=0)
    assert (moved["sigma"] - start["sigma"]) * direction[0] > 0
