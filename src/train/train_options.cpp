#include "lidecm/train/train_options.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <type_traits>
#include <utility>

#include <nlohmann/json.hpp>

#include "lidecm/core/error.hpp"
#include "lidecm/train/json.hpp"

namespace lidecm {
namespace {

static_assert(sizeof(std::size_t) == sizeof(unsigned long long) && sizeof(std::uint64_t) == sizeof(unsigned long long),
              "count options hold std::size_t and std::uint64_t members in an unsigned long long");

template <class M>
constexpr OptionType type_of() {
    if constexpr (std::is_same_v<M, bool>) {
        return OptionType::boolean;
    } else if constexpr (std::is_same_v<M, int>) {
        return OptionType::integer;
    } else if constexpr (std::is_same_v<M, std::size_t> || std::is_same_v<M, std::uint64_t>) {
        return OptionType::count;
    } else if constexpr (std::is_same_v<M, double>) {
        return OptionType::real;
    } else {
        static_assert(std::is_same_v<M, std::string>, "an option's member is a bool, int, count, double or string");
        return OptionType::text;
    }
}

template <class M>
OptionValue stored(const M& member) {
    return OptionValue(std::in_place_index<static_cast<std::size_t>(type_of<M>())>, member);
}

template <class M>
M loaded(const OptionValue& value, const std::string& shown_as) {
    const auto& v = std::get<static_cast<std::size_t>(type_of<M>())>(value);
    if constexpr (std::is_integral_v<M> && !std::is_same_v<M, bool>) {
        require(std::in_range<M>(v), shown_as, "out of range, got " + std::to_string(v));
    }
    return static_cast<M>(v);
}

// The member TrainConfig reaches through `Path` (&TrainConfig::dataset, &DatasetOptions::tiles).
template <auto... Path, class Config>
auto& member(Config& config) {
    return (config .* ... .* Path);
}

// `o` with the type, read and write of the member at `Path`.
template <auto... Path>
TrainOption field(TrainOption o) {
    using M = std::remove_cvref_t<decltype(member<Path...>(std::declval<TrainConfig&>()))>;
    o.type = type_of<M>();
    o.read = [](const TrainConfig& c) { return stored(member<Path...>(c)); };
    o.write = [](TrainConfig& c, const OptionValue& v, const std::string& shown_as) {
        member<Path...>(c) = loaded<M>(v, shown_as);
    };
    return o;
}

constexpr OptionRange ints(double lo, double hi) { return {OptionType::integer, lo, hi}; }
constexpr OptionRange counts(double lo, double hi) { return {OptionType::count, lo, hi}; }
constexpr OptionRange reals(double lo, double hi) { return {OptionType::real, lo, hi}; }

std::string refiner_name(Refiner refiner) { return nlohmann::json(refiner).get<std::string>(); }

const std::vector<TrainOption>& table() {
    using C = TrainConfig;
    using D = DatasetOptions;
    static const std::vector<TrainOption> options = {
        field<&C::data>({.flag = "data", .keyword = nullptr, .checked_as = "data",
                         .help = "Image folder, CIFAR-10/100 binary file or folder, one image, or 'samples'"}),
        field<&C::epochs>({.flag = "epochs", .keyword = "epochs", .checked_as = "epochs", .range = ints(1, 1000000),
                           .help = "Passes over the training images (with --resume: the new total)"}),
        field<&C::batch_size>({.flag = "batch-size", .keyword = "batch_size", .checked_as = "batch size",
                               .range = ints(1, 1 << 20), .help = "Images per batch"}),
        field<&C::max_batches>({.flag = "max-batches", .keyword = "max_batches", .checked_as = nullptr,
                                .help = "Batches per epoch at most (0 = all)"}),
        field<&C::codebook, &CodebookOptions::num_codes>({.flag = "codes", .keyword = "codes", .checked_as = "codes",
                                                          .range = ints(kMinCodes, kMaxCodes), .help = "Codewords K"}),
        field<&C::patch_size>({.flag = "patch-size", .keyword = "patch_size", .checked_as = "patch size",
                               .range = ints(1, 64), .help = "Tile side of the tokenizer"}),
        field<&C::dataset, &D::resolution>({.flag = "resolution", .keyword = "resolution", .checked_as = "resolution",
                                            .range = ints(4, 4096),
                                            .help = "Images are resized and center-cropped to R x R"}),
        field<&C::dataset, &D::tiles>({.flag = "tiles", .keyword = "tiles", .checked_as = "tiles",
                                       .help = "Cut each image into R x R tiles at its own resolution instead of "
                                               "resizing it (validation tiles come from other images)"}),
        field<&C::dataset, &D::channels>({.flag = "channels", .keyword = "channels", .checked_as = "channels",
                                          .choices = {"1", "3"}, .help = "3 (colour) or 1 (grey)"}),
        field<&C::dataset, &D::validation_fraction>({.flag = "val-fraction", .keyword = "val_fraction",
                                                     .checked_as = "validation_fraction", .range = reals(0.0, 0.9),
                                                     .help = "Share of images held out for validation"}),
        field<&C::seed>({.flag = "seed", .keyword = "seed", .checked_as = nullptr,
                         .help = "Seed of every random choice (split, order, augmentation, init)"}),
        field<&C::dataset, &D::cache_bytes>(
            {.flag = "cache-mb", .keyword = "cache_mb", .checked_as = nullptr, .unit = OptionUnit::megabytes,
             .range = ints(0, 1 << 20),
             .help = "Decoded images kept in memory between epochs up to this many MB, at their files' own bit "
                     "depth; the others are decoded again once per epoch"}),
        field<&C::dataset, &D::shuffle_buffer>(
            {.flag = "shuffle-buffer", .keyword = "shuffle_buffer", .checked_as = nullptr,
             .range = counts(0, std::size_t(1) << 30),
             .help = "Items in the shuffle buffer the epoch order draws from, filled image by image "
                     "(0 = shuffle all items at once, which with --tiles holds every tile in memory)"}),
        field<&C::decode_threads>({.flag = "decode-threads", .keyword = "decode_threads",
                                   .checked_as = "decode_threads", .range = ints(0, 256),
                                   .help = "Threads decoding image files (0 = one per core)"}),
        field<&C::dataset, &D::reduced_decode>(
            {.flag = "full-decode", .keyword = "full_decode", .checked_as = nullptr, .unit = OptionUnit::negated,
             .help = "Without --tiles, decode every JPEG at full size (by default large ones are decoded at 1/2, "
                     "1/4 or 1/8 size when that leaves at least 2R on the shorter side)"}),
        field<&C::dataset, &D::augment>({.flag = "no-augment", .keyword = "augment", .checked_as = nullptr,
                                         .help = "Train without flips and brightness/contrast jitter"}),
        field<&C::input_noise>(
            {.flag = "input-noise", .keyword = "input_noise", .checked_as = "input noise", .unit = OptionUnit::per255,
             .range = reals(0.0, 255.0),
             .help = "Add Gaussian noise of this sigma (0-255 scale) to the inputs; targets stay clean"}),
        field<&C::input_noise_max>(
            {.flag = "input-noise-max", .keyword = "input_noise_max", .checked_as = "input noise max",
             .unit = OptionUnit::per255, .range = reals(0.0, 255.0), .show_default = false,
             .help = "With it, each input's sigma is drawn from [--input-noise, --input-noise-max] (0-255 scale)"}),
        field<&C::init_images>({.flag = "init-images", .keyword = "init_images", .checked_as = "init images",
                                .range = ints(1, 1 << 24), .help = "Training images whose tiles seed the codebook"}),
        field<&C::checkpoint_every>({.flag = "checkpoint-every", .keyword = "checkpoint_every",
                                     .checked_as = "checkpoint every", .range = ints(0, 1000000),
                                     .help = "Also keep epoch_N.lidecm every N epochs (0 = off)"}),
        field<&C::validation_images>({.flag = "validation-images", .keyword = "validation_images",
                                      .checked_as = nullptr,
                                      .help = "Validation images scored per epoch, spread over the split (0 = all)"}),
        {.flag = "learner", .keyword = "learner", .checked_as = "learner", .type = OptionType::text,
         .choices = {"attention", "plain", "seed", "fixed"},
         .help = "attention (paired risk-driven updates of four heads' parameters, mixed per image by attention), "
                 "plain (the same with one parameter set), seed (the seed's learner, DESIGN 4) or fixed (no learner)",
         .read = [](const TrainConfig& c) { return OptionValue(learner_variant(c)); },
         .write = [](TrainConfig& c, const OptionValue& v, const std::string& shown_as) {
             select_learner(c, std::get<std::string>(v), shown_as);
         }},
        {.flag = "refiner", .keyword = "refiner", .checked_as = "refiner", .type = OptionType::text,
         .choices = {"collaborative", "graph"}, .applies_first = true,
         .help = "Refinement of token reconstructions: collaborative (patch-group filtering at the codebook's "
                 "quantisation level) or graph (the seed's graph diffusion)",
         .read = [](const TrainConfig& c) { return OptionValue(refiner_name(c.refine.refiner)); },
         .write = [](TrainConfig& c, const OptionValue& v, const std::string& shown_as) {
             const std::string& name = std::get<std::string>(v);
             const Refiner refiner = nlohmann::json(name).get<Refiner>();  // an unknown name reads as the first
             require(refiner_name(refiner) == name, shown_as, "must be " + choice_list(train_option("refiner")));
             select_refiner(c, refiner);
         }},
        field<&C::learner_every>({.flag = "learner-every", .keyword = "learner_every", .checked_as = "learner every",
                                  .range = ints(1, 1000),
                                  .help = "The learner's paired evaluation runs on every N-th batch (1 = every batch)"}),
        field<&C::refine_per_batch>({.flag = "refine-per-batch", .keyword = "refine_per_batch",
                                     .checked_as = nullptr, .range = ints(0, 1 << 20), .show_default = false,
                                     .help = "Images of each batch refined for the losses and the learner (0 = all; "
                                             "default: 4 for collaborative, all for graph)"}),
        field<&C::prior_components>(
            {.flag = "prior-components", .keyword = "prior_components", .checked_as = "prior components",
             .range = ints(0, kMaxPriorComponents),
             .help = "Gaussians of the patch prior fitted to a sample of the training tiles when the run finishes, "
                     "stored in the model file (0 = no prior)"}),
        field<&C::prior_iterations>({.flag = "prior-iterations", .keyword = "prior_iterations",
                                     .checked_as = "prior iterations", .range = ints(1, kMaxPriorIterations),
                                     .help = "EM iterations of the patch prior's fit"}),
        field<&C::class_priors>(
            {.flag = "class-priors", .keyword = "class_priors", .checked_as = "class priors",
             .range = ints(0, kMaxClassPriors),
             .help = "A training set of 2 to this many classes also gets one prior per class, mixed per image "
                     "by attention over the learner's four heads (0 = the pooled prior alone)"}),
        field<&C::token_prior>({.flag = "no-token-prior", .keyword = "token_prior", .checked_as = nullptr,
                                .help = "Fit no token prior (the model of the token grids that `generate` samples) "
                                        "when the run finishes"}),
    };
    return options;
}

OptionValue to_unit(OptionUnit unit, OptionValue stored) {
    switch (unit) {
        case OptionUnit::plain: break;
        case OptionUnit::per255: return std::get<double>(stored) * 255.0;
        case OptionUnit::megabytes: return std::get<unsigned long long>(stored) >> 20;
        case OptionUnit::negated: return !std::get<bool>(stored);
    }
    return stored;
}

OptionValue from_unit(OptionUnit unit, OptionValue given) {
    switch (unit) {
        case OptionUnit::plain: break;
        case OptionUnit::per255: return std::get<double>(given) / 255.0;
        case OptionUnit::megabytes: return std::get<unsigned long long>(given) << 20;
        case OptionUnit::negated: return !std::get<bool>(given);
    }
    return given;
}

std::string number(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.10g", v);
    return buf;
}

// Values the config holds in another unit are checked here, before validate() sees
// them in its own units (input noise "must be in [0, 1]" for a σ given as 300).
void check_given_unit(const TrainOption& option, const OptionValue& value, const std::string& shown_as) {
    if (option.unit == OptionUnit::plain || !option.range) return;
    const double v = std::visit(
        [](const auto& x) -> double {
            if constexpr (std::is_arithmetic_v<std::remove_cvref_t<decltype(x)>>) return static_cast<double>(x);
            return 0;
        },
        value);
    const OptionRange& r = *option.range;
    require(std::isfinite(v) && v >= r.lo && v <= r.hi, shown_as,
            "must be in [" + number(r.lo) + ", " + number(r.hi) + "]");
}

}  // namespace

std::span<const TrainOption> train_options() { return table(); }

const TrainOption& train_option(std::string_view flag) {
    for (const TrainOption& o : table()) {
        if (flag == o.flag) return o;
    }
    throw InvalidArgument(std::string(flag) + ": not a training option");
}

OptionValue option_value(const TrainOption& option, const TrainConfig& config) {
    return to_unit(option.unit, option.read(config));
}

OptionValue default_value(const TrainOption& option) { return option_value(option, TrainConfig{}); }

void apply_options(TrainConfig& config, std::span<const OptionSetting> settings, const OptionNaming& naming) {
    for (const bool first : {true, false}) {
        for (const TrainOption& option : table()) {
            if (option.applies_first != first) continue;
            for (const OptionSetting& s : settings) {
                if (s.option != &option) continue;
                const std::string shown_as = naming(option);
                require(s.value.index() == static_cast<std::size_t>(option.type), shown_as,
                        "a value of the wrong type");
                check_given_unit(option, s.value, shown_as);
                option.write(config, from_unit(option.unit, s.value), shown_as);
            }
        }
    }
}

std::string named_as_options(const std::string& message, const OptionNaming& naming) {
    for (const TrainOption& o : table()) {
        if (o.checked_as == nullptr) continue;
        const std::string prefix = std::string(o.checked_as) + ":";
        if (message.starts_with(prefix)) return naming(o) + ":" + message.substr(prefix.size());
    }
    return message;
}

std::string choice_list(const TrainOption& option) {
    std::string text;
    for (std::size_t i = 0; i < option.choices.size(); ++i) {
        if (i > 0) text += i + 1 == option.choices.size() ? " or " : ", ";
        text += option.choices[i];
    }
    return text;
}

}  // namespace lidecm
