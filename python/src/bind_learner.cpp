// lidecm._Learner: the C++ EMParameterLearner, which the drop-in lidecm.EMParameterLearning
// (python/lidecm/_learning.py) wraps with the prototype's names and return types.
#include <cmath>
#include <optional>
#include <string>
#include <tuple>

#include <pybind11/stl.h>

#include "arrays.hpp"
#include "bindings.hpp"
#include "lidecm/learner/em_learner.hpp"

namespace lidecm::python {
namespace {

using Weights = std::tuple<double, double, double, double>;  // texture, structure, color, spatial

Weights as_tuple(const AttentionWeights& w) { return {w.texture, w.structure, w.color, w.spatial}; }
AttentionWeights as_weights(const Weights& w) {
    return {std::get<0>(w), std::get<1>(w), std::get<2>(w), std::get<3>(w)};
}

/// Patches (N, p, p, C), (N, p, p) or (N, p·p·C) and centers (N, 2) as a PatchSet. The C++
/// patch sets keep whole-pixel corners, so centers are rounded to whole pixels (patch grids
/// have whole-pixel centers; the spatial head compares spreads, which a shift leaves alone).
PatchSet patch_set(const py::handle& patches_in, const py::handle& centers_in) {
    const auto any = py::array::ensure(patches_in);
    if (!any) throw py::type_error("patches: expected a numpy array");
    const int nd = int(any.ndim());
    if (nd < 2 || nd > 4) {
        throw py::value_error("patches: expected (N, p, p, C), (N, p, p) or (N, p*p*C), got " + std::to_string(nd) +
                              " dimensions");
    }
    const auto x = typed_array<float>(patches_in, "patches", nd);
    const auto centers = typed_array<double>(centers_in, "centers", 2);
    const py::ssize_t n = x.shape(0);
    if (centers.shape(0) != n || centers.shape(1) != 2) {
        throw py::value_error("centers: expected shape (" + std::to_string(n) + ", 2), got (" +
                              std::to_string(centers.shape(0)) + ", " + std::to_string(centers.shape(1)) + ")");
    }
    PatchSet set;
    if (nd == 2) {  // p·p·C values: 3·p² is never a square, so the split is unique
        const py::ssize_t d = x.shape(1);
        const auto side = [](py::ssize_t v) { const auto r = py::ssize_t(std::llround(std::sqrt(double(v)))); return r * r == v ? r : 0; };
        set.channels = side(d) ? 1 : (d % 3 == 0 && side(d / 3)) ? 3 : 0;
        if (set.channels == 0) throw py::value_error("patches: " + std::to_string(d) + " values per row are not p*p*C for C 1 or 3");
        set.patch_size = int(side(d / set.channels));
    } else {
        if (x.shape(1) != x.shape(2)) throw py::value_error("patches: patches must be square (p x p)");
        set.patch_size = int(x.shape(1));
        set.channels = nd == 3 ? 1 : int(x.shape(3));
        if (set.channels != 1 && set.channels != 3) throw py::value_error("patches: C must be 1 or 3");
    }
    set.values.assign(x.data(), x.data() + x.size());
    int max_y = 0, max_x = 0;
    for (py::ssize_t i = 0; i < n; ++i) {
        const double cy = centers.at(i, 0), cx = centers.at(i, 1);
        if (!std::isfinite(cy) || !std::isfinite(cx)) throw py::value_error("centers: holds NaN or infinite values");
        set.corner_y.push_back(int(std::lround(cy - set.patch_size / 2.0)));
        set.corner_x.push_back(int(std::lround(cx - set.patch_size / 2.0)));
        max_y = std::max(max_y, set.corner_y.back() + set.patch_size);
        max_x = std::max(max_x, set.corner_x.back() + set.patch_size);
    }
    set.image_height = max_y;
    set.image_width = max_x;
    return set;
}

py::dict params_dict(const GraphParams& p) {
    py::dict d;
    d["sigma"] = p.sigma;
    d["tau"] = p.tau;
    d["radius"] = p.radius;
    d["sigma_s"] = p.sigma_s;
    d["sigma_f"] = p.sigma_f;
    d["smooth_steps"] = p.smooth_steps;
    return d;
}

LearnerRule rule_named(const std::string& rule) {
    if (rule == "seed") return LearnerRule::seed;
    if (rule == "risk") return LearnerRule::risk;
    throw py::value_error("rule: must be 'seed' (the prototype's rule) or 'risk', got '" + rule + "'");
}

}  // namespace

void bind_learner(py::module_& m) {
    py::class_<EMParameterLearner>(m, "_Learner", "The C++ EMParameterLearner (use lidecm.EMParameterLearning).")
        .def(py::init([](int num_classes, const std::string& rule) {
                 if (num_classes < 1) throw py::value_error("num_classes: must be >= 1");
                 LearnerOptions o;
                 o.num_classes = num_classes;
                 o.rule = rule_named(rule);
                 return EMParameterLearner(o);
             }),
             py::arg("num_classes") = 10, py::arg("rule") = "seed")
        .def_static("patch_features",
                    [](const py::object& patches, const py::object& centers) {
                        const PatchSet set = patch_set(patches, centers);
                        py::gil_scoped_release release;
                        const PatchFeatures f = EMParameterLearner::compute_patch_features(set);
                        return Weights{f.texture, f.structure, f.color, f.spatial};
                    })
        .def_static("attention",
                    [](const Weights& f) {
                        return as_tuple(EMParameterLearner::compute_attention_weights(
                            {std::get<0>(f), std::get<1>(f), std::get<2>(f), std::get<3>(f)}));
                    })
        .def_static("weighted_update",
                    [](double sigma, double tau, const Weights& w, double loss_delta) {
                        GraphParams p;
                        p.sigma = sigma;
                        p.tau = tau;
                        const GraphParams out = EMParameterLearner::weighted_parameter_update(p, as_weights(w), loss_delta);
                        return std::pair{out.sigma, out.tau};
                    })
        .def_static("loss_proxy", &EMParameterLearner::compute_loss_proxy)
        .def_static("smoothness_score", &smoothness_score)
        .def("update_global_params",
             [](EMParameterLearner& l, double loss, double smoothness, const py::object& patches, const py::object& centers) {
                 if (patches.is_none() != centers.is_none()) {
                     throw py::value_error(std::string(patches.is_none() ? "patches" : "centers") +
                                           ": patches and centers go together");
                 }
                 std::optional<PatchSet> set;
                 if (!patches.is_none()) set = patch_set(patches, centers);
                 py::gil_scoped_release release;
                 l.update_global_params(loss, smoothness, set ? &*set : nullptr);
             })
        .def("update_class_params", &EMParameterLearner::update_class_params)
        .def("parameters", [](const EMParameterLearner& l, std::optional<int> c) {
            if (c && (*c < 0 || *c >= l.num_classes())) {
                throw py::value_error("class_idx: " + std::to_string(*c) + " is outside [0, " + std::to_string(l.num_classes()) + ")");
            }
            return params_dict(c ? l.get_parameters(*c) : l.get_parameters());
        })
        .def("status", [](const EMParameterLearner& l) {
            const LearnerStatus s = l.get_status();
            return std::tuple{s.sigma, s.tau, s.radius, s.recent_loss};
        })
        .def("set_global", [](EMParameterLearner& l, const std::string& name, double value) {
            LearnerState s = l.state();
            double* field = name == "sigma" ? &s.global.sigma : name == "tau" ? &s.global.tau
                          : name == "radius" ? &s.global.radius : name == "sigma_s" ? &s.global.sigma_s
                          : name == "sigma_f" ? &s.global.sigma_f : nullptr;
            if (field == nullptr) throw py::attribute_error(name);
            *field = value;
            l.restore(std::move(s));
        })
        .def_property_readonly("num_classes", &EMParameterLearner::num_classes)
        .def_property_readonly("rule", [](const EMParameterLearner& l) {
            return l.options().rule == LearnerRule::seed ? "seed" : "risk";
        })
        .def_property_readonly("global_params", [](const EMParameterLearner& l) { return params_dict(l.state().global); })
        .def_property_readonly("loss_history", &EMParameterLearner::loss_history)
        .def_property_readonly("sigma_history", &EMParameterLearner::sigma_history)
        .def_property_readonly("tau_history", &EMParameterLearner::tau_history)
        .def_property_readonly("attention_history", [](const EMParameterLearner& l) {
            std::vector<Weights> out;
            for (const AttentionWeights& w : l.attention_history()) out.push_back(as_tuple(w));
            return out;
        })
        .def("class_state", [](const EMParameterLearner& l, int c) {
            const ClassParams& p = l.class_params(c);
            py::list history;
            for (const GraphParams& g : p.param_history) history.append(params_dict(g));
            py::dict d;
            d["sigma"] = p.sigma;
            d["tau"] = p.tau;
            d["smooth_steps"] = p.smooth_steps;
            d["loss_history"] = p.loss_history;
            d["param_history"] = history;
            return d;
        })
        // The risk rule (rule="risk"): per-image parameters and paired updates.
        .def("image_parameters",
             [](const EMParameterLearner& l, const py::object& image, int patch_size, int class_index) {
                 const InputImage in(image, "image");
                 GraphParams p;
                 {
                     py::gil_scoped_release release;
                     p = l.image_parameters(in.view(), patch_size, class_index);
                 }
                 return params_dict(p);
             },
             py::arg("image"), py::arg("patch_size") = 8, py::arg("class_index") = EMParameterLearner::kAnyClass)
        .def("image_attention",
             [](const EMParameterLearner& l, const py::object& patches, const py::object& centers) {
                 const PatchSet set = patch_set(patches, centers);
                 return as_tuple(l.image_attention(EMParameterLearner::compute_head_stats(set)));
             })
        .def("observe",
             [](EMParameterLearner& l, const py::object& patches, const py::object& centers) {
                 l.observe(EMParameterLearner::compute_head_stats(patch_set(patches, centers)));
             })
        .def("paired_direction", &EMParameterLearner::paired_direction)
        .def("perturbed",
             [](const EMParameterLearner& l, double sigma, double tau, const std::array<int, 2>& direction, int sign) {
                 GraphParams p;
                 p.sigma = sigma;
                 p.tau = tau;
                 const GraphParams q = l.perturbed(p, direction, sign);
                 return std::pair{q.sigma, q.tau};
             })
        .def("update_paired",
             [](EMParameterLearner& l, const std::vector<std::tuple<int, Weights, double, double>>& samples,
                const std::array<int, 2>& direction, double loss) {
                 std::vector<PairedSample> s;
                 for (const auto& [c, w, plus, minus] : samples) s.push_back({c, as_weights(w), plus, minus});
                 l.update_paired(s, direction, loss);
             });
}

}  // namespace lidecm::python
