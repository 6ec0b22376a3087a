// lidecm.train: the trainer `lidecm train` runs, with Python callbacks. Training runs
// with the GIL released; the callbacks take it back. Ctrl-C (a pending KeyboardInterrupt)
// or an exception in `progress` stops the run after its checkpoint is saved, then raises.
#include <cmath>
#include <filesystem>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>
#include <pybind11/stl/filesystem.h>

#include "bindings.hpp"
#include "lidecm/core/error.hpp"
#include "lidecm/train/json.hpp"
#include "lidecm/train/model.hpp"
#include "lidecm/report/report.hpp"
#include "lidecm/train/trainer.hpp"

namespace lidecm::python {
namespace {

py::dict batch_dict(const BatchMetrics& m, std::uint64_t batches, int epochs) {
    py::dict d;
    d["epoch"] = m.epoch;
    d["epochs"] = epochs;
    d["batch"] = m.batch;
    d["batches"] = batches;
    d["loss"] = m.loss;
    d["psnr_token"] = m.psnr_token;
    d["psnr_refined"] = m.psnr_refined;
    d["images_per_second"] = m.images_per_second;
    d["data_wait_share"] = m.data_wait_share;
    d["eta_seconds"] = m.eta_seconds;
    return d;
}

/// A TrainConfig message ("batch size: must be ...") with the keyword's name ("batch_size: ...").
std::string keyword_message(const std::string& message) {
    static const std::pair<const char*, const char*> kNames[] = {
        {"batch size:", "batch_size:"}, {"init images:", "init_images:"}, {"checkpoint every:", "checkpoint_every:"},
        {"patch size:", "patch_size:"}, {"validation_fraction:", "val_fraction:"}, {"num_codes:", "codes:"},
        {"kmeans_iterations:", "codes:"}};
    for (const auto& [from, to] : kNames) {
        if (message.starts_with(from)) return to + message.substr(std::string(from).size());
    }
    return message;
}

/// The TrainConfig of `lidecm train` with these flags (noise levels on the 0-255 scale, as the CLI's).
TrainConfig config_from(const py::kwargs& kw) {
    TrainConfig c;
    auto take = [&](const char* key, auto& field) {
        if (!kw.contains(key)) return;
        try {
            field = kw[key].cast<std::remove_reference_t<decltype(field)>>();
        } catch (const py::cast_error&) {
            throw py::type_error(std::string(key) + ": expected a " +
                                 (std::is_same_v<std::remove_reference_t<decltype(field)>, bool> ? "bool"
                                  : std::is_floating_point_v<std::remove_reference_t<decltype(field)>> ? "number"
                                                                                                         : "whole number") +
                                 ", got " + std::string(py::str(py::type::of(kw[key]).attr("__name__"))));
        }
    };
    take("epochs", c.epochs);
    take("batch_size", c.batch_size);
    take("max_batches", c.max_batches);
    take("codes", c.codebook.num_codes);
    take("patch_size", c.patch_size);
    take("resolution", c.dataset.resolution);
    take("tiles", c.dataset.tiles);
    take("channels", c.dataset.channels);
    take("val_fraction", c.dataset.validation_fraction);
    take("seed", c.seed);
    take("augment", c.dataset.augment);
    take("init_images", c.init_images);
    take("checkpoint_every", c.checkpoint_every);
    take("validation_images", c.validation_images);
    take("shuffle_buffer", c.dataset.shuffle_buffer);
    take("decode_threads", c.decode_threads);
    bool full_decode = !c.dataset.reduced_decode;
    take("full_decode", full_decode);
    c.dataset.reduced_decode = !full_decode;
    std::size_t cache_mb = c.dataset.cache_bytes >> 20;
    double input_noise = 0, input_noise_max = 0;  // 0-255, as the CLI's flags
    take("cache_mb", cache_mb);
    take("input_noise", input_noise);
    take("input_noise_max", input_noise_max);
    for (const auto& [key, v] : {std::pair{"input_noise", input_noise}, {"input_noise_max", input_noise_max}}) {
        if (!(std::isfinite(v) && v >= 0 && v <= 255)) throw py::value_error(std::string(key) + ": must be in [0, 255]");
    }
    c.dataset.cache_bytes = cache_mb << 20;
    c.input_noise = input_noise / 255.0;
    c.input_noise_max = input_noise_max / 255.0;
    select_refiner(c, nlohmann::json(kw.contains("refiner") ? kw["refiner"].cast<std::string>() : "collaborative")
                          .get<Refiner>());
    if (kw.contains("learner")) select_learner(c, kw["learner"].cast<std::string>(), "learner");
    take("refine_per_batch", c.refine_per_batch);
    try {
        c.validate();
    } catch (const InvalidArgument& e) {
        throw py::value_error(keyword_message(e.what()));
    }
    return c;
}

const char* const kKnown[] = {"epochs", "batch_size", "max_batches", "codes", "patch_size", "resolution", "tiles",
                              "channels", "val_fraction", "seed", "augment", "init_images", "checkpoint_every",
                              "validation_images", "cache_mb", "input_noise", "input_noise_max", "refiner",
                              "learner", "refine_per_batch", "shuffle_buffer", "decode_threads", "full_decode"};

py::object train_run(const std::string& data, const std::filesystem::path& out, bool resume, bool overwrite,
                     bool report, const py::object& progress, const py::kwargs& kw) {
    for (const auto& item : kw) {
        const std::string key = py::str(item.first);
        if (std::find(std::begin(kKnown), std::end(kKnown), key) == std::end(kKnown)) {
            throw py::type_error("train() got an unexpected keyword argument '" + key + "'");
        }
    }
    if (kw.contains("refiner")) {
        const std::string r = kw["refiner"].cast<std::string>();
        if (r != "collaborative" && r != "graph") throw py::value_error("refiner: must be collaborative or graph");
    }
    TrainConfig config;
    if (!resume) {
        config = config_from(kw);
        config.data = data;
    } else if (kw.size() > (kw.contains("epochs") ? 1u : 0u)) {
        throw py::value_error("resume: a resumed run keeps its saved config; only epochs may change");
    }
    std::optional<py::error_already_set> raised;  // what stopped the run, raised once it returned
    const py::object logger = py::module_::import("logging").attr("getLogger")("lidecm");
    TrainEvents events;
    int epochs = config.epochs;
    events.on_batch = [&](const BatchMetrics& m, std::uint64_t batches) {
        if (progress.is_none() || raised) return;
        py::gil_scoped_acquire gil;
        try {
            progress(batch_dict(m, batches, epochs));
        } catch (py::error_already_set& e) {
            raised.emplace(std::move(e));
        }
    };
    events.on_log = [&](const std::string& text) {
        py::gil_scoped_acquire gil;
        logger.attr("info")(text);
    };
    events.stop_requested = [&] {
        if (raised) return true;
        py::gil_scoped_acquire gil;
        if (PyErr_CheckSignals() != 0) raised.emplace();  // takes the pending KeyboardInterrupt
        return raised.has_value();
    };
    TrainResult r;
    {
        py::gil_scoped_release release;
        if (resume) {
            r = resume_training(out, events, kw.contains("epochs") ? kw["epochs"].cast<int>() : 0);
        } else {
            r = train(config, out, events, overwrite);
        }
        if (report) write_run_report(out, out / "report.html");
    }
    if (raised) throw std::move(*raised);
    return wrap_model(std::move(r.model));
}

}  // namespace

void bind_train(py::module_& m) {
    m.def("train", &train_run, py::arg("data"), py::arg("out"), py::kw_only(), py::arg("resume") = false,
          py::arg("overwrite") = false, py::arg("report") = true, py::arg("progress") = py::none(),
          R"(Trains a codebook and the learner into the run folder `out`, as `lidecm train` does.

data: image folder, CIFAR-10/100 binary file or folder, one image, or "samples".
Keywords (the CLI's flags, same defaults): epochs=10, batch_size=32, max_batches=0, codes=512,
patch_size=8, resolution=64, tiles=False, channels=3, val_fraction=0.1, seed=1234,
augment=True, init_images, checkpoint_every=0, validation_images, cache_mb=256,
shuffle_buffer=16384, decode_threads=0 (one per core), full_decode=False,
input_noise=0 and input_noise_max (0-255 scale), learner="attention" (or plain, seed, fixed),
refiner="collaborative" (or graph), refine_per_batch.
resume=True continues the run in `out` (only epochs may be given: the new total);
overwrite=True starts over in a folder that holds a model; report=False skips report.html.
progress: called after every batch with a dict (epoch, epochs, batch, batches, loss,
psnr_token, psnr_refined, images_per_second, data_wait_share, eta_seconds). Log lines go to logging.getLogger("lidecm").

Returns the trained lidecm.Model. Ctrl-C (or an exception raised by `progress`) stops the
run after the current batch; its checkpoint is saved, then the exception is raised, and
train(data, out, resume=True) continues it.)");
}

}  // namespace lidecm::python
