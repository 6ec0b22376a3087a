// lidecm.train: the trainer `lidecm train` runs, with Python callbacks. Training runs
// with the GIL released; the callbacks take it back. Ctrl-C (a pending KeyboardInterrupt)
// or an exception in `progress` stops the run after its checkpoint is saved, then raises.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <pybind11/stl/filesystem.h>

#include "bindings.hpp"
#include "lidecm/core/error.hpp"
#include "lidecm/train/model.hpp"
#include "lidecm/report/report.hpp"
#include "lidecm/train/train_options.hpp"
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

// lidecm.train() names an option by its keyword; `data` is its positional argument.
std::string keyword_of(const TrainOption& option) { return option.keyword != nullptr ? option.keyword : option.flag; }

const TrainOption* keyword_option(const std::string& key) {
    for (const TrainOption& o : train_options()) {
        if (o.keyword != nullptr && key == o.keyword) return &o;
    }
    return nullptr;
}

/// A keyword's value as the type its option takes (an int option takes a Python int that fits an int).
OptionValue keyword_value(const TrainOption& option, const py::handle& value) {
    try {
        switch (option.type) {
            case OptionType::boolean: return value.cast<bool>();
            case OptionType::integer: return static_cast<long long>(value.cast<int>());
            case OptionType::count: return value.cast<unsigned long long>();
            case OptionType::real: return value.cast<double>();
            case OptionType::text: return value.cast<std::string>();
        }
    } catch (const py::cast_error&) {
    }
    static const char* const kExpected[] = {"bool", "whole number", "whole number", "number", "str"};
    throw py::type_error(keyword_of(option) + ": expected a " + kExpected[static_cast<int>(option.type)] + ", got " +
                         std::string(py::str(py::type::of(value).attr("__name__"))));
}

/// The TrainConfig of `lidecm train` with these flags (noise levels on the 0-255 scale, as the CLI's).
TrainConfig config_from(const py::kwargs& kw) {
    std::vector<OptionSetting> settings;
    for (const TrainOption& o : train_options()) {
        if (o.keyword != nullptr && kw.contains(o.keyword)) settings.push_back({&o, keyword_value(o, kw[o.keyword])});
    }
    TrainConfig c;
    try {
        apply_options(c, settings, keyword_of);
        c.validate();
    } catch (const InvalidArgument& e) {
        throw py::value_error(named_as_options(e.what(), keyword_of));
    }
    return c;
}

py::object train_run(const std::string& data, const std::filesystem::path& out, bool resume, bool overwrite,
                     bool report, const py::object& progress, const py::kwargs& kw) {
    for (const auto& item : kw) {
        const std::string key = py::str(item.first);
        if (keyword_option(key) == nullptr) {
            throw py::type_error("train() got an unexpected keyword argument '" + key + "'");
        }
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
            r = resume_training(out, events, kw.contains("epochs") ? static_cast<int>(std::get<long long>(keyword_value(train_option("epochs"), kw["epochs"]))) : 0);
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
refiner="collaborative" (or graph), refine_per_batch, prior_components=20 (0 = no patch
prior), prior_iterations=30, class_priors=8 (a set of 2 to this many classes also gets one
prior per class, mixed per image by attention; 0 = none).
resume=True continues the run in `out` (only epochs may be given: the new total);
overwrite=True starts over in a folder that holds a model; report=False skips report.html.
progress: called after every batch with a dict (epoch, epochs, batch, batches, loss,
psnr_token, psnr_refined, images_per_second, data_wait_share, eta_seconds). Log lines go to logging.getLogger("lidecm").

Returns the trained lidecm.Model. Ctrl-C (or an exception raised by `progress`) stops the
run after the current batch; its checkpoint is saved, then the exception is raised, and
train(data, out, resume=True) continues it.)");
}

}  // namespace lidecm::python
