#include "lidecm/data/dataset.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <optional>
#include <unordered_map>

#include "core/parallel.hpp"
#include "core/random_salts.hpp"
#include "data/cifar.hpp"
#include "data/dataset_source.hpp"
#include "data/dataset_state.hpp"
#include "data/file_source.hpp"
#include "lidecm/core/error.hpp"
#include "lidecm/core/random.hpp"

namespace lidecm {
namespace fs = std::filesystem;

namespace {

using detail::kAugmentSalt;
using detail::kOrderSalt;
using detail::kSplitSalt;

Image augment(Image image, RandomStream& rng, const DatasetOptions& o) {
    const bool flip = rng.uniform() < o.flip_probability;
    const double brightness = (2.0 * rng.uniform() - 1.0) * o.brightness_jitter;
    const double contrast = 1.0 + (2.0 * rng.uniform() - 1.0) * o.contrast_jitter;
    if (flip) image = flip_horizontal(image);
    double mean = 0.0;
    for (const float v : image.data) mean += v;
    mean /= double(image.size());
    for (float& v : image.data) v = float(std::clamp(mean + contrast * (v - mean) + brightness, 0.0, 1.0));
    return image;
}

detail::OpenedSource open_source(const std::string& source, const DatasetOptions& options) {
    const DatasetFormat format = options.format;
    if (format == DatasetFormat::samples || (format == DatasetFormat::automatic && source == "samples")) {
        return detail::open_samples(options);
    }
    const fs::path path(source);
    std::error_code ec;
    if (!fs::exists(path, ec)) throw IoError(source + ": no such file or folder");
    const bool folder = fs::is_directory(path, ec);
    const auto cifar_kind = [&]() -> std::optional<detail::CifarKind> {
        if (format == DatasetFormat::cifar10) return detail::CifarKind::cifar10;
        if (format == DatasetFormat::cifar100) return detail::CifarKind::cifar100;
        if (format != DatasetFormat::automatic) return std::nullopt;
        return folder ? detail::cifar_kind_of_folder(path) : detail::cifar_kind_of_name(path.filename().string());
    }();
    require(!(cifar_kind && options.tiles), "tiles",
            source + " is CIFAR data, whose 32x32 records are not cut into tiles");
    if (cifar_kind) return detail::open_cifar(path, *cifar_kind, options);
    if (format == DatasetFormat::folder && !folder) throw IoError(source + ": is not a folder");
    if (format == DatasetFormat::image && folder) throw IoError(source + ": is a folder, not an image file");
    return folder ? detail::open_folder(path, options) : detail::open_image(path, options);
}

}  // namespace

namespace detail {

StoredImage prepare(StoredImage raw, const DatasetOptions& options, std::pair<int, int> full_size) {
    const int r = options.resolution;
    if (options.tiles && std::min(raw.height, raw.width) >= r) return raw;
    const Image full = to_float(raw);
    const Image converted = options.channels == 1 ? to_grey(full) : to_rgb(full);
    if (full_size.first == 0) full_size = {raw.height, raw.width};
    const auto [h, w] = shorter_side_size(full_size.first, full_size.second, r);
    const Image resized = resize(converted, h, w);
    // Resampled values fall between the file's levels: 16 bits keep them within 8e-6,
    // at half the memory of float (an 8-bit file's R×R item: 2R² bytes per channel).
    const SampleDepth depth = raw.depth == SampleDepth::F32 ? SampleDepth::F32 : SampleDepth::U16;
    return to_stored(options.tiles ? resized : center_crop(resized, r, r), depth);
}

}  // namespace detail

void validate(const DatasetOptions& o) {
    require(o.resolution >= 1 && o.resolution <= 8192, "resolution",
            "must be in 1..8192, got " + std::to_string(o.resolution));
    require(o.channels == 1 || o.channels == 3, "channels", "must be 1 or 3, got " + std::to_string(o.channels));
    require(std::isfinite(o.validation_fraction) && o.validation_fraction >= 0.0 && o.validation_fraction < 1.0,
            "validation_fraction", "must be in [0, 1), got " + std::to_string(o.validation_fraction));
    require(std::isfinite(o.flip_probability) && o.flip_probability >= 0.0 && o.flip_probability <= 1.0,
            "flip_probability", "must be in [0, 1], got " + std::to_string(o.flip_probability));
    require(std::isfinite(o.brightness_jitter) && o.brightness_jitter >= 0.0 && o.brightness_jitter <= 1.0,
            "brightness_jitter", "must be in [0, 1], got " + std::to_string(o.brightness_jitter));
    require(std::isfinite(o.contrast_jitter) && o.contrast_jitter >= 0.0 && o.contrast_jitter < 1.0,
            "contrast_jitter", "must be in [0, 1), got " + std::to_string(o.contrast_jitter));
    require(o.max_pixels > 0, "max_pixels", "must be > 0, got " + std::to_string(o.max_pixels));
}

void validate(const LoaderOptions& o) {
    require(o.batch_size > 0, "batch_size", "must be > 0");
    require(o.epoch >= 0, "epoch", "must be >= 0, got " + std::to_string(o.epoch));
    require(o.prefetch > 0, "prefetch", "must be > 0");
    require(o.decode_threads >= 0 && o.decode_threads <= 256, "decode_threads",
            "must be in 0..256, got " + std::to_string(o.decode_threads));
    require(o.ranks >= 1 && o.rank >= 0 && o.rank < o.ranks, "rank",
            std::to_string(o.rank) + " of " + std::to_string(o.ranks) + " is not a rank of the group");
}

Dataset::Dataset() : state_(std::make_unique<DatasetState>()) {}
Dataset::Dataset(Dataset&&) noexcept = default;
Dataset& Dataset::operator=(Dataset&&) noexcept = default;
Dataset::~Dataset() = default;

Dataset Dataset::open(const std::string& source, const DatasetOptions& options) {
    validate(options);
    detail::OpenedSource opened;
    try {
        opened = open_source(source, options);
    } catch (const fs::filesystem_error& e) {  // e.g. a sub-folder that cannot be listed
        throw IoError(source + ": " + e.what());
    }
    Dataset d;
    d.options_ = options;
    d.source_ = std::move(opened.source);
    d.class_names_ = std::move(opened.class_names);
    d.skipped_ = std::move(opened.skipped);
    d.description_ = std::move(opened.description);
    d.state_->reset(d.make_split());
    return d;
}

std::size_t Dataset::make_split() {
    const std::size_t n = size();
    std::vector<std::size_t> all(n);
    for (std::size_t i = 0; i < n; ++i) all[i] = i;
    // Groups (images) are drawn, not items; items of a group are contiguous and
    // groups ascend, so with one item per image this is a draw of items.
    std::vector<std::size_t> first_of_group;
    for (std::size_t i = 0; i < n; ++i) {
        if (i == 0 || source_->group(i) != source_->group(i - 1)) first_of_group.push_back(i);
    }
    const std::size_t groups = first_of_group.size();
    const double fraction = options_.validation_fraction;
    if (fraction == 0.0 || groups < 2) {
        train_ = all;
        if (fraction > 0.0) {  // one image: validating on it beats validating on nothing
            validation_ = all;
            validation_is_training_ = true;
        }
        return groups;
    }
    const auto held = std::clamp<std::size_t>(std::size_t(std::llround(double(groups) * fraction)), 1, groups - 1);
    std::vector<std::size_t> order(groups);
    for (std::size_t g = 0; g < groups; ++g) order[g] = g;
    RandomStream rng{options_.seed, kSplitSalt};
    shuffle(order, rng);
    std::vector<char> held_out(groups, 0);
    for (std::size_t k = 0; k < held; ++k) held_out[order[k]] = 1;
    for (std::size_t g = 0; g < groups; ++g) {
        const std::size_t end = g + 1 < groups ? first_of_group[g + 1] : n;
        auto& side = held_out[g] != 0 ? validation_ : train_;
        for (std::size_t i = first_of_group[g]; i < end; ++i) side.push_back(i);
    }
    return groups;
}

std::vector<std::size_t> Dataset::validation_sample(std::size_t limit) const {
    if (limit == 0 || validation_.size() <= limit) return validation_;
    std::vector<std::size_t> ids(limit);
    for (std::size_t k = 0; k < limit; ++k) ids[k] = validation_[k * validation_.size() / limit];
    return ids;
}

std::size_t Dataset::size() const { return source_->size(); }

int Dataset::label(std::size_t index) const {
    require(index < size(), "item", "index " + std::to_string(index) + " out of range");
    return source_->label(index);
}

std::string Dataset::name(std::size_t index) const {
    require(index < size(), "item", "index " + std::to_string(index) + " out of range");
    return source_->name(index);
}

std::size_t Dataset::group_of(std::size_t index) const { return source_->group(index); }

std::vector<SkippedFile> Dataset::failures() const {
    const std::lock_guard lock(state_->mutex);
    return state_->failures;
}

std::uint64_t Dataset::decodes() const {
    const std::lock_guard lock(state_->mutex);
    return state_->decodes;
}

std::shared_ptr<const detail::StoredImage> Dataset::load_group(std::size_t g, std::uint64_t* decoded) const {
    DatasetState& st = *state_;
    {
        const std::lock_guard lock(st.mutex);
        if (!st.failed[g].empty()) return nullptr;
        if (st.cache[g]) return st.cache[g];
    }
    std::shared_ptr<const detail::StoredImage> loaded;
    try {
        loaded = std::make_shared<const detail::StoredImage>(source_->load(g));
    } catch (const IoError& e) {  // opened fine, so the file changed: skipped from now on
        const std::lock_guard lock(st.mutex);
        if (st.failed[g].empty()) {
            st.failed[g] = e.what();
            st.failures.push_back({source_->path(g), e.what()});
        }
        return nullptr;
    }
    if (!source_->decodes_files()) return loaded;
    const std::lock_guard lock(st.mutex);
    ++st.decodes;
    if (decoded != nullptr) ++*decoded;
    const std::size_t bytes = loaded->bytes.size();
    if (!st.cache[g] && st.cached_bytes + bytes <= options_.cache_bytes) {
        st.cache[g] = loaded;
        st.cached_bytes += bytes;
    }
    return loaded;
}

detail::StoredImage Dataset::cut_item(const detail::StoredImage& group, std::size_t index) const {
    return source_->cut(group, index);
}

Item Dataset::make_item(const detail::StoredImage& cut, std::size_t index, Split split, int epoch) const {
    Image image = to_float(cut);
    if (image.channels != options_.channels) image = options_.channels == 1 ? to_grey(image) : to_rgb(image);
    Item it{std::move(image), source_->label(index), source_->name(index), index};
    if (split == Split::train && options_.augment) {
        RandomStream rng{options_.seed, kAugmentSalt, std::uint64_t(epoch), index};
        it.image = augment(std::move(it.image), rng, options_);
    }
    return it;
}

Dataset::Grouped Dataset::group_positions(const std::vector<std::size_t>& indices) const {
    Grouped out;
    std::unordered_map<std::size_t, std::size_t> slot;
    for (std::size_t p = 0; p < indices.size(); ++p) {
        const auto [it, added] = slot.try_emplace(group_of(indices[p]), out.groups.size());
        if (added) {
            out.groups.push_back(it->first);
            out.positions.emplace_back();
        }
        out.positions[it->second].push_back(p);
    }
    return out;
}

std::vector<Item> Dataset::load_items(const std::vector<std::size_t>& indices, Split split, int epoch) const {
    require(epoch >= 0, "epoch", "must be >= 0, got " + std::to_string(epoch));
    for (const std::size_t i : indices) require(i < size(), "item", "index " + std::to_string(i) + " out of range");
    const auto plan = group_positions(indices);  // each file decoded once
    std::vector<std::optional<Item>> out(indices.size());
    detail::parallel_for(plan.groups.size(), [&](std::size_t k) {
        const auto loaded = load_group(plan.groups[k], nullptr);
        if (!loaded) return;
        for (const std::size_t p : plan.positions[k]) out[p] = make_item(cut_item(*loaded, indices[p]), indices[p], split, epoch);
    });
    std::vector<Item> items;
    items.reserve(indices.size());
    for (auto& it : out) {
        if (it) items.push_back(std::move(*it));
    }
    return items;
}

std::vector<Item> Dataset::items(const std::vector<std::size_t>& indices) const {
    return load_items(indices, Split::validation, 0);
}

std::vector<Item> Dataset::train_items(const std::vector<std::size_t>& indices, int epoch) const {
    return load_items(indices, Split::train, epoch);
}

Item Dataset::load_item(std::size_t index, Split split, int epoch) const {
    std::vector<Item> one = load_items({index}, split, epoch);
    if (one.empty()) {
        const std::lock_guard lock(state_->mutex);
        throw IoError(state_->failed[group_of(index)]);
    }
    return std::move(one.front());
}

Item Dataset::item(std::size_t index) const { return load_item(index, Split::validation, 0); }

Item Dataset::train_item(std::size_t index, int epoch) const { return load_item(index, Split::train, epoch); }

std::vector<std::size_t> Dataset::uniform_order(int epoch) const {
    require(epoch >= 0, "epoch", "must be >= 0, got " + std::to_string(epoch));
    std::vector<std::size_t> order = train_;
    RandomStream rng{options_.seed, kOrderSalt, std::uint64_t(epoch)};
    shuffle(order, rng);
    return order;
}

std::vector<std::size_t> Dataset::epoch_order(int epoch) const {
    require(epoch >= 0, "epoch", "must be >= 0, got " + std::to_string(epoch));
    const std::size_t capacity = options_.shuffle_buffer;
    if (capacity == 0 || capacity >= train_.size()) return uniform_order(epoch);
    std::vector<std::size_t> order = train_;
    RandomStream rng{options_.seed, kOrderSalt, std::uint64_t(epoch)};
    // The training items of each group, as [begin, end) runs of train_ (ascending, so contiguous).
    std::vector<std::pair<std::size_t, std::size_t>> runs;
    for (std::size_t i = 0; i < train_.size(); ++i) {
        if (i == 0 || group_of(train_[i]) != group_of(train_[i - 1])) runs.emplace_back(i, i);
        runs.back().second = i + 1;
    }
    shuffle(runs, rng);
    std::vector<std::size_t> buffer;
    buffer.reserve(capacity + (runs.empty() ? 0 : train_.size() / runs.size() + 1));
    std::size_t next_run = 0;
    for (std::size_t k = 0; k < order.size(); ++k) {
        while (buffer.size() < capacity && next_run < runs.size()) {
            const auto [begin, end] = runs[next_run++];
            buffer.insert(buffer.end(), train_.begin() + std::ptrdiff_t(begin), train_.begin() + std::ptrdiff_t(end));
        }
        const std::size_t pick = rng.below(buffer.size());
        order[k] = buffer[pick];
        buffer[pick] = buffer.back();
        buffer.pop_back();
    }
    return order;
}

std::string Dataset::shuffle_description() const {
    const std::size_t capacity = options_.shuffle_buffer;
    if (capacity == 0 || capacity >= train_.size()) return {};
    std::size_t images = 0;
    for (std::size_t i = 0; i < train_.size(); ++i) {
        if (i == 0 || group_of(train_[i]) != group_of(train_[i - 1])) ++images;
    }
    if (images == train_.size()) return {};  // one item per image: the buffer mixes `capacity` images
    const double per_image = double(train_.size()) / double(images);
    const auto mixed = std::max<long long>(1, std::llround(double(capacity) / per_image));
    return "shuffle buffer: " + std::to_string(capacity) + " of " + std::to_string(train_.size()) +
           " training items, about " + std::to_string(mixed) + " of " + std::to_string(images) +
           " images at a time (--shuffle-buffer 0 mixes all, holding every item in memory)";
}

std::vector<std::size_t> Dataset::order(Split split, int epoch) const {
    return split == Split::train ? epoch_order(epoch) : validation_;
}

std::size_t Dataset::batch_count(Split split, std::size_t batch_size, std::size_t max_batches) const {
    require(batch_size > 0, "batch_size", "must be > 0");
    const std::size_t n = split == Split::train ? train_.size() : validation_.size();
    const std::size_t count = (n + batch_size - 1) / batch_size;
    return max_batches > 0 ? std::min(count, max_batches) : count;
}

Batch Dataset::batch(Split split, int epoch, std::size_t batch, std::size_t batch_size) const {
    const std::size_t count = batch_count(split, batch_size);
    require(batch < count, "batch", "index " + std::to_string(batch) + " out of range (the epoch has " +
                                        std::to_string(count) + " batches)");
    const std::vector<std::size_t> all = order(split, epoch);
    const std::size_t first = batch * batch_size;
    const std::size_t last = std::min(all.size(), first + batch_size);
    Batch out;
    out.epoch = epoch;
    out.index = batch;
    out.items = load_items({all.begin() + std::ptrdiff_t(first), all.begin() + std::ptrdiff_t(last)}, split,
                           split == Split::train ? epoch : 0);
    // Items of failed files are left out: the places of the others follow from their indices.
    for (std::size_t p = first, k = 0; p < last && k < out.items.size(); ++p) {
        if (all[p] == out.items[k].index) {
            out.places.push_back(p - first);
            ++k;
        }
    }
    return out;
}

}  // namespace lidecm
