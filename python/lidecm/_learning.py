"""The prototype's EMParameterLearning, run by lidecm's C++ learner.

Same constructor, attributes, methods, call forms (positional and keyword) and return
types as the research prototype's Python class, so that `from lidecm import
EMParameterLearning` replaces it in an existing training loop. With rule="seed" (the default) every number equals the
C++ learner's seed rule (DESIGN section 4) exactly; rule="risk" selects the paired,
risk-driven rule training uses (see update_paired).
"""
from __future__ import annotations

from typing import Dict, List, Optional, Sequence

import numpy as np

from ._lidecm import _Learner

_HEADS = ("texture", "structure", "color", "spatial")


def _features_tuple(features) -> tuple:
    if isinstance(features, dict):
        try:
            return tuple(float(features[h]) for h in _HEADS)
        except KeyError as e:
            raise ValueError(f"features: needs the keys {', '.join(_HEADS)}; {e.args[0]!r} is missing") from None
    values = tuple(float(v) for v in features)
    if len(values) != 4:
        raise ValueError(f"features: expected 4 scores ({', '.join(_HEADS)}), got {len(values)}")
    return values


def _stored_entries(matrix, name: str) -> np.ndarray:
    """The stored values of a scipy sparse matrix, or the nonzero ones of a dense array."""
    if hasattr(matrix, "nnz") and hasattr(matrix, "data"):
        return np.asarray(matrix.data, dtype=np.float64)
    array = _as_float_array(matrix, name)
    if array.ndim != 2:
        raise ValueError(f"{name}: expected a 2-D matrix (scipy sparse or numpy), got {array.ndim} dimensions")
    return array[array != 0].astype(np.float64)


def _as_float_array(value, name: str) -> np.ndarray:
    try:
        array = np.asarray(value)
    except Exception as e:  # e.g. a tensor on a GPU
        raise TypeError(f"{name}: cannot be read as a numpy array ({e})") from None
    if array.dtype.kind not in "fiu":
        raise TypeError(f"{name}: dtype {array.dtype} is not a number type")
    return array


class EMParameterLearning:
    """Multi-head attention EM parameter learner (the prototype's class, in C++).

    Four heads (texture, structure, color, spatial) score the current patches; a
    softmax of twice the scores gives the attention weights, which scale how sigma and
    tau move when the loss changes. Parameters stay in sigma [0.1, 0.5], tau
    [0.05, 0.3], radius [5, 20], sigma_s [5, 20], sigma_f [0.1, 0.5].

    num_classes: per-class parameter sets (update_class_params, get_parameters(c)).
    learning_rate, embed_dim: kept for the prototype's signature; its rules use fixed
        steps (2 % for sigma, 5 % for tau) and no embedding, so they change nothing.
    smoothing_window: losses averaged by the per-class rule and get_status (must be 5,
        the seed's window).
    num_heads: must be 4 (texture, structure, color, spatial).
    rule: "seed" (the prototype's rule, exact) or "risk" (paired updates, see update_paired).
    """

    def __init__(self, num_classes: int = 10, learning_rate: float = 0.01, smoothing_window: int = 5,
                 num_heads: int = 4, embed_dim: int = 64, *, rule: str = "seed"):
        if num_heads != 4:
            raise ValueError(f"num_heads: the learner has exactly 4 heads ({', '.join(_HEADS)}), got {num_heads}")
        if smoothing_window != 5:
            raise ValueError(f"smoothing_window: only 5 (the seed's window) is supported, got {smoothing_window}")
        object.__setattr__(self, "_cpp", _Learner(int(num_classes), rule))
        object.__setattr__(self, "num_classes", int(num_classes))
        object.__setattr__(self, "learning_rate", float(learning_rate))
        object.__setattr__(self, "smoothing_window", int(smoothing_window))
        object.__setattr__(self, "num_heads", int(num_heads))
        object.__setattr__(self, "embed_dim", int(embed_dim))

    # ---- the global parameters, readable and writable as in the prototype ----
    def __getattr__(self, name):
        if name in ("sigma", "tau", "radius", "sigma_s", "sigma_f"):
            return self._cpp.global_params[name]
        raise AttributeError(f"'EMParameterLearning' object has no attribute '{name}'")

    def __setattr__(self, name, value):
        if name in ("sigma", "tau", "radius", "sigma_s", "sigma_f"):
            self._cpp.set_global(name, float(value))
        else:
            object.__setattr__(self, name, value)

    @property
    def rule(self) -> str:
        return self._cpp.rule

    @property
    def loss_history(self) -> List[float]:
        """Losses given to update_global_params, oldest first (the newest 1,024)."""
        return list(self._cpp.loss_history)

    @property
    def sigma_history(self) -> List[float]:
        return list(self._cpp.sigma_history)

    @property
    def tau_history(self) -> List[float]:
        return list(self._cpp.tau_history)

    @property
    def param_updates(self) -> Dict[str, list]:
        """The prototype's history of global updates: sigma and tau after each
        update_global_params; 'steps' stays empty, as the prototype never filled it."""
        return {"sigma": self.sigma_history, "tau": self.tau_history, "steps": []}

    @property
    def attention_weights(self) -> Dict[str, List[float]]:
        """Attention of every update that had patches: a list per head."""
        history = self._cpp.attention_history
        return {h: [w[i] for w in history] for i, h in enumerate(_HEADS)}

    @property
    def class_params(self) -> Dict[int, dict]:
        """Per class: sigma, tau, smooth_steps, loss_history, param_history (each entry with
        the prototype's sigma, tau and steps, and radius, sigma_s, sigma_f, smooth_steps) and
        head_weights (uniform: the prototype never changed them); a snapshot."""
        out = {}
        for c in range(self.num_classes):
            state = self._cpp.class_state(c)
            for entry in state["param_history"]:
                entry["steps"] = entry["smooth_steps"]
            state["head_weights"] = np.full(self.num_heads, 1.0 / self.num_heads)
            out[c] = state
        return out

    @property
    def attention_heads(self) -> Dict[str, np.ndarray]:
        """The prototype's per-head weight vectors: uniform, and never changed by its rules."""
        return {h: np.full(self.num_heads, 1.0 / self.num_heads) for h in _HEADS}

    @property
    def head_params(self) -> Dict[int, dict]:
        """The prototype's per-head records, as it left them: initial values, empty histories
        (its rules never wrote to them; the risk rule's per-head parameters are in C++)."""
        return {h: {"sigma": 0.3, "tau": 0.1, "smooth_steps": 5, "focus": None, "loss_history": [],
                    "attention_history": []} for h in range(self.num_heads)}

    # ---- the prototype's methods ----
    @staticmethod
    def compute_patch_features(patches, centers) -> np.ndarray:
        """The four head scores in [0, 1] of patches (N, p, p, C), (N, p, p) or (N, p*p*C)
        with centers (N, 2) as (y, x), as the prototype returned them: an array
        [texture, structure, color, spatial] (so compute_attention_weights(*scores) works).
        Centers are rounded to whole pixels."""
        scores = _Learner.patch_features(_as_float_array(patches, "patches"), _as_float_array(centers, "centers"))
        return np.array(scores, dtype=np.float64)

    @staticmethod
    def compute_attention_weights(texture_score=None, structure_score=None, color_score=None, spatial_score=None, *,
                                  features=None, patches=None, centers=None) -> Dict[str, float]:
        """softmax(2 * scores) over the heads, each score clipped to [0, 1] first. Call forms:
        the prototype's (texture_score, structure_score, color_score, spatial_score), by
        position or keyword; the scores as one dict or 4 values (features); patches and
        centers (compute_attention_weights(patches, centers))."""
        scores = (texture_score, structure_score, color_score, spatial_score)
        given = [v is not None for v in scores]
        if all(given):
            return dict(zip(_HEADS, _Learner.attention(tuple(float(v) for v in scores))))
        if given == [True, True, False, False] and np.ndim(texture_score) >= 2 and centers is None:
            patches, centers = texture_score, structure_score  # (patches, centers) by position
        elif given == [True, False, False, False] and features is None and patches is None:
            if centers is not None:
                patches = texture_score  # (patches, centers=...)
            else:
                features = texture_score
        elif any(given):
            missing = [f"{h}_score" for h, g in zip(_HEADS, given) if not g]
            raise ValueError(f"compute_attention_weights: give all four scores; {', '.join(missing)} missing")
        if patches is not None:
            features = EMParameterLearning.compute_patch_features(patches, centers)
        if features is None:
            raise ValueError("features: give the head scores, or patches and centers")
        return dict(zip(_HEADS, _Learner.attention(_features_tuple(features))))

    @staticmethod
    def weighted_parameter_update(base_params: dict, attention_weights: dict, loss_delta: float) -> dict:
        """base_params with sigma and tau moved by the attention-weighted step: down when
        the loss rose (loss_delta > 0), up (capped at 0.5 and 0.3) otherwise."""
        for key in ("sigma", "tau"):
            if key not in base_params:
                raise ValueError(f"base_params: needs '{key}'")
        sigma, tau = _Learner.weighted_update(float(base_params["sigma"]), float(base_params["tau"]),
                                              _features_tuple(attention_weights), float(loss_delta))
        out = dict(base_params)
        out["sigma"], out["tau"] = sigma, tau
        return out

    @staticmethod
    def compute_loss_proxy(recon_loss: float, percep_loss: float, smoothness_score: Optional[float] = None, *,
                           smoothness: Optional[float] = None) -> float:
        """recon + percep - 0.1 * smoothness_score (also accepted as smoothness=)."""
        if (smoothness_score is None) == (smoothness is None):
            raise ValueError("smoothness_score: give it once (smoothness_score or smoothness)")
        value = smoothness_score if smoothness is None else smoothness
        return _Learner.loss_proxy(float(recon_loss), float(percep_loss), float(value))

    @staticmethod
    def estimate_smoothness(S_smooth, patches, W) -> float:
        """The seed's smoothness score in [0, 1] of a diffused similarity S_smooth on the
        graph W (scipy sparse matrices, as the prototype took, or dense arrays whose
        nonzeros are the entries): 0 without entries, else 0.5 min(1, mean stored entry of
        S) + 0.5 min(1, nnz(W) / (5 n)). patches is taken for the prototype's signature; the
        formula does not read it."""
        del patches
        entries = _stored_entries(S_smooth, "S_smooth")
        edges = _stored_entries(W, "W").size
        nodes = int(W.shape[0]) if hasattr(W, "shape") else len(W)
        if entries.size == 0:
            return 0.0
        return float(_Learner.smoothness_score(float(entries.mean()), int(edges), nodes))

    def update_global_params(self, loss_value: float, smoothness_score: float, patches=None, centers=None) -> None:
        """Appends the loss; with patches (and centers) the attention comes from them, else
        uniform 0.25; from the second loss on, moves sigma and tau by the weighted update
        of last - previous loss; clamps every parameter to its range."""
        if patches is not None:
            patches = _as_float_array(patches, "patches")
        if centers is not None:
            centers = _as_float_array(centers, "centers")
        self._cpp.update_global_params(float(loss_value), float(smoothness_score), patches, centers)

    def update_class_params(self, class_idx: int, loss_value: float, smoothness_score: float) -> None:
        """The per-class rule: smooth_steps from the mean of the class's last 5 losses,
        sigma and tau x1.02 / x0.98 for smoothness above 0.7 / below 0.3."""
        self._cpp.update_class_params(int(class_idx), float(loss_value), float(smoothness_score))

    def get_parameters(self, class_idx: Optional[int] = None) -> Dict[str, float]:
        """sigma, tau, radius, sigma_s, sigma_f and smooth_steps: global, or of a class."""
        return self._cpp.parameters(None if class_idx is None else int(class_idx))

    def get_status(self) -> Dict[str, str]:
        """global_sigma and global_tau to 4 decimals, global_radius to 2, avg_loss (mean of
        the last 5 losses) to 4 decimals or "N/A"."""
        sigma, tau, radius, loss = self._cpp.status()
        return {"global_sigma": sigma, "global_tau": tau, "global_radius": radius, "avg_loss": loss}

    # ---- the risk rule (rule="risk") ----
    def image_parameters(self, image, patch_size: int = 8, class_idx: Optional[int] = None) -> Dict[str, float]:
        """The parameters the risk rule gives this image (its heads' weights mix the
        heads' parameter sets); with the seed rule, get_parameters(class_idx)."""
        return self._cpp.image_parameters(image, int(patch_size), -1 if class_idx is None else int(class_idx))

    def paired_direction(self, seed: int) -> tuple:
        """The +-1 direction (sigma, tau) of a paired update, from `seed`."""
        return tuple(self._cpp.paired_direction(int(seed)))

    def perturbed(self, params: dict, direction: Sequence[int], sign: int) -> dict:
        """params with log sigma and log tau moved by sign * delta * direction."""
        sigma, tau = self._cpp.perturbed(float(params["sigma"]), float(params["tau"]), list(direction), int(sign))
        out = dict(params)
        out["sigma"], out["tau"] = sigma, tau
        return out

    def update_paired(self, samples: Sequence[tuple], direction: Sequence[int], loss: float) -> None:
        """One risk-rule step: samples are (class_idx, attention dict, loss at +, loss at -)
        measured on the same images at perturbed(params, direction, +1 / -1)."""
        rows = [(int(c), _features_tuple(w), float(lp), float(lm)) for c, w, lp, lm in samples]
        self._cpp.update_paired(rows, list(direction), float(loss))

    def __repr__(self) -> str:
        return (f"EMParameterLearning(num_classes={self.num_classes}, rule={self.rule!r}, "
                f"sigma={self.sigma:.4f}, tau={self.tau:.4f})")
