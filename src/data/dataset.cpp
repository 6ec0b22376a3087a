#include "lidecm/dataset.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstddef>
#include <optional>
#include <set>

#include "core/parallel.hpp"
#include "core/random_salts.hpp"
#include "data/cifar.hpp"
#include "data/dataset_source.hpp"
#include "lidecm/error.hpp"
#include "lidecm/random.hpp"
#include "lidecm/samples.hpp"

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

// ---- image files -------------------------------------------------------------

struct FileEntry {
    fs::path path;
    std::string name;
    int label = 0;
};

// One item of a file source: a file's prepared image, or one R×R tile of it.
struct TileRef {
    std::size_t file = 0;
    int x = 0;
    int y = 0;
};

class FileSource final : public DatasetSource {
public:
    FileSource(const DatasetOptions& options, std::vector<FileEntry> files, std::vector<Image> cache,
               std::vector<TileRef> items)
        : options_(options), files_(std::move(files)), cache_(std::move(cache)), items_(std::move(items)) {}

    [[nodiscard]] std::size_t size() const override { return items_.size(); }
    [[nodiscard]] int label(std::size_t index) const override { return files_[items_.at(index).file].label; }
    [[nodiscard]] std::string name(std::size_t index) const override {
        const TileRef& t = items_.at(index);
        const std::string& file = files_[t.file].name;
        return options_.tiles ? file + "@" + std::to_string(t.x) + "," + std::to_string(t.y) : file;
    }
    [[nodiscard]] std::size_t group(std::size_t index) const override { return items_.at(index).file; }
    [[nodiscard]] Image image(std::size_t index) const override {
        const TileRef& t = items_.at(index);
        const Image& cached = cache_[t.file];
        if (!cached.empty()) return item_of(cached, t);
        // Decoded fine when opened; failing now means the file changed: an error, not a skip.
        return item_of(detail::prepare(load_image(files_[t.file].path, {options_.max_pixels}), options_), t);
    }

private:
    // The item cut from its file's prepared image (taken by value: a fresh decode is moved, not copied).
    [[nodiscard]] Image item_of(Image full, const TileRef& t) const {
        if (!options_.tiles) return full;
        return crop(full, t.y, t.x, options_.resolution, options_.resolution);
    }

    DatasetOptions options_;
    std::vector<FileEntry> files_;
    std::vector<Image> cache_;  // per file; empty images: not cached
    std::vector<TileRef> items_;
};

bool has_image_extension(const fs::path& path) {
    static constexpr std::array<const char*, 10> kExtensions = {
        ".png", ".jpg", ".jpeg", ".bmp", ".ppm", ".pgm", ".pnm", ".tif", ".tiff", ".webp"};
    std::string ext = path.extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    return std::find(kExtensions.begin(), kExtensions.end(), ext) != kExtensions.end();
}

// Decodes every candidate once, a chunk of files at a time in parallel (each
// file's outcome depends on the file alone, so the result is deterministic), and
// keeps the prepared images of the first files while they fit in the cache.
detail::OpenedSource open_files(std::vector<FileEntry> candidates, const DatasetOptions& options) {
    const std::size_t n = candidates.size();
    const std::size_t chunk = 64;  // bounds what is held beyond the cache while decoding
    const int r = options.resolution;
    detail::OpenedSource out;
    std::vector<FileEntry> files;
    std::vector<Image> cache;
    std::vector<TileRef> items;
    std::size_t cached_bytes = 0;
    bool caching = true;
    for (std::size_t begin = 0; begin < n; begin += chunk) {
        const std::size_t count = std::min(chunk, n - begin);
        std::vector<Image> images(count);
        std::vector<std::string> errors(count);
        // A bad file is skipped and reported; anything else (out of memory, ...)
        // is not the file's fault and ends the open.
        detail::parallel_for(count, [&](std::size_t i) {
            try {
                images[i] = detail::prepare(load_image(candidates[begin + i].path, {options.max_pixels}), options);
            } catch (const IoError& e) {
                errors[i] = e.what();
            }
        });
        for (std::size_t i = 0; i < count; ++i) {
            Image& image = images[i];
            if (image.empty()) {
                out.skipped.push_back({candidates[begin + i].path.string(), errors[i]});
                continue;
            }
            const std::size_t file = files.size();
            const int rows = options.tiles ? image.height / r : 1;
            const int cols = options.tiles ? image.width / r : 1;
            for (int ty = 0; ty < rows; ++ty) {
                for (int tx = 0; tx < cols; ++tx) items.push_back({file, tx * r, ty * r});
            }
            const std::size_t bytes = image.size() * sizeof(float);
            caching = caching && cached_bytes + bytes <= options.cache_bytes;
            if (caching) {
                cached_bytes += bytes;
                ++out.files_cached;
            }
            files.push_back(std::move(candidates[begin + i]));
            cache.push_back(caching ? std::move(image) : Image{});
        }
    }
    out.files_read = files.size();
    out.source = std::make_unique<FileSource>(options, std::move(files), std::move(cache), std::move(items));
    return out;
}

std::string folder_name(const fs::path& folder) {
    fs::path p = fs::absolute(folder).lexically_normal();
    if (!p.has_filename()) p = p.parent_path();
    return p.filename().empty() ? "images" : p.filename().string();
}

std::string tile_text(const detail::OpenedSource& o, const DatasetOptions& options) {
    if (!options.tiles) return "";
    const std::string r = std::to_string(options.resolution);
    return " in " + std::to_string(o.source->size()) + " tiles of " + r + "x" + r;
}

std::string count_text(const detail::OpenedSource& o, std::size_t candidates, const DatasetOptions& options) {
    const std::size_t uncached = o.files_read - o.files_cached;
    return std::to_string(o.files_read) + " of " + std::to_string(candidates) + " image files" + tile_text(o, options) +
           ", " + std::to_string(o.class_names.size()) + " class(es)" +
           (uncached > 0 ? ", " + std::to_string(uncached) + " over the cache (decoded again on every use)" : "");
}

detail::OpenedSource open_folder(const fs::path& root, const DatasetOptions& options) {
    std::vector<std::pair<fs::path, fs::path>> found;  // (path, path relative to root)
    for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator(); ++it) {
        const std::string name = it->path().filename().string();
        if (name.starts_with(".")) {  // hidden files and folders (.git, ._x.jpg of macOS)
            if (it->is_directory()) it.disable_recursion_pending();
            continue;
        }
        if (it->is_regular_file() && has_image_extension(it->path())) {
            found.emplace_back(it->path(), it->path().lexically_relative(root));
        }
    }
    if (found.empty()) {
        throw IoError(root.string() + ": no image files (png, jpg, jpeg, bmp, ppm, pgm, pnm, tif, tiff, webp)");
    }
    std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) {
        return a.second.generic_string() < b.second.generic_string();
    });
    std::set<std::string> classes;
    for (const auto& [path, rel] : found) {
        if (std::distance(rel.begin(), rel.end()) > 1) classes.insert(rel.begin()->string());
    }
    const std::vector<std::string> class_names =
        classes.empty() ? std::vector<std::string>{folder_name(root)}
                        : std::vector<std::string>(classes.begin(), classes.end());

    std::vector<FileEntry> candidates;
    std::vector<SkippedFile> unclassified;
    for (const auto& [path, rel] : found) {
        int label = 0;
        if (!classes.empty()) {
            if (std::distance(rel.begin(), rel.end()) == 1) {
                unclassified.push_back({path.string(), "lies in the root of a folder with class sub-folders"});
                continue;
            }
            label = int(std::distance(classes.begin(), classes.find(rel.begin()->string())));
        }
        candidates.push_back({path, rel.generic_string(), label});
    }
    const std::size_t count = candidates.size();
    detail::OpenedSource out = open_files(std::move(candidates), options);
    if (out.source->size() == 0) {
        throw IoError(root.string() + ": none of the " + std::to_string(count) +
                      " image files could be read (first: " + out.skipped.front().reason + ")");
    }
    out.skipped.insert(out.skipped.begin(), unclassified.begin(), unclassified.end());
    out.class_names = class_names;
    out.description = "image folder " + root.string() + ": " + count_text(out, count, options);
    return out;
}

detail::OpenedSource open_image(const fs::path& path, const DatasetOptions& options) {
    detail::OpenedSource out = open_files({{path, path.filename().string(), 0}}, options);
    if (out.source->size() == 0) throw IoError(out.skipped.front().reason);  // names the file already
    out.class_names = {path.stem().string()};
    out.description = "image " + path.string() + ": " + count_text(out, 1, options);
    return out;
}

detail::OpenedSource open_samples(const DatasetOptions& options) {
    std::vector<FileEntry> candidates;
    for (const auto& file : sample_images()) candidates.push_back({file, file.filename().string(), 0});
    const std::size_t count = candidates.size();
    detail::OpenedSource out = open_files(std::move(candidates), options);
    if (out.source->size() == 0) {
        throw IoError(samples_dir().string() + ": none of the sample images could be read (first: " +
                      out.skipped.front().reason + ")");
    }
    out.class_names = {"samples"};
    out.description = "samples " + samples_dir().string() + ": " + count_text(out, count, options);
    return out;
}

detail::OpenedSource open_source(const std::string& source, const DatasetOptions& options) {
    const DatasetFormat format = options.format;
    if (format == DatasetFormat::samples || (format == DatasetFormat::automatic && source == "samples")) {
        return open_samples(options);
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
    return folder ? open_folder(path, options) : open_image(path, options);
}

}  // namespace

namespace detail {

Image prepare(const Image& raw, const DatasetOptions& options) {
    Image converted = options.channels == 1 ? to_grey(raw) : to_rgb(raw);
    const int r = options.resolution;
    if (!options.tiles) return center_crop(resize_shorter_side(converted, r), r, r);
    return std::min(converted.height, converted.width) < r ? resize_shorter_side(converted, r) : converted;
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
}

Dataset::Dataset() = default;
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
    d.make_split();
    return d;
}

void Dataset::make_split() {
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
        return;
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

Item Dataset::item(std::size_t index) const {
    require(index < size(), "item", "index " + std::to_string(index) + " out of range");
    return {source_->image(index), source_->label(index), source_->name(index), index};
}

Item Dataset::train_item(std::size_t index, int epoch) const {
    require(epoch >= 0, "epoch", "must be >= 0, got " + std::to_string(epoch));
    Item it = item(index);
    if (!options_.augment) return it;
    RandomStream rng{options_.seed, kAugmentSalt, std::uint64_t(epoch), index};
    it.image = augment(std::move(it.image), rng, options_);
    return it;
}

std::vector<std::size_t> Dataset::epoch_order(int epoch) const {
    require(epoch >= 0, "epoch", "must be >= 0, got " + std::to_string(epoch));
    std::vector<std::size_t> order = train_;
    RandomStream rng{options_.seed, kOrderSalt, std::uint64_t(epoch)};
    shuffle(order, rng);
    return order;
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
    return assemble(split, epoch, batch, batch_size, order(split, epoch));
}

Batch Dataset::assemble(Split split, int epoch, std::size_t batch, std::size_t batch_size,
                        const std::vector<std::size_t>& order) const {
    const std::size_t count = batch_count(split, batch_size);
    require(batch < count, "batch", "index " + std::to_string(batch) + " out of range (the epoch has " +
                                        std::to_string(count) + " batches)");
    Batch out;
    out.epoch = epoch;
    out.index = batch;
    const std::size_t first = batch * batch_size;
    const std::size_t last = std::min(order.size(), first + batch_size);
    for (std::size_t k = first; k < last; ++k) {
        out.items.push_back(split == Split::train ? train_item(order[k], epoch) : item(order[k]));
    }
    return out;
}

// ---- prefetch ------------------------------------------------------------------

BatchLoader::BatchLoader(const Dataset& dataset, const LoaderOptions& options)
    : dataset_(dataset), options_(options) {
    validate(options);
    end_ = dataset.batch_count(options.split, options.batch_size, options.max_batches);
    require(options.start_batch <= end_, "start_batch",
            std::to_string(options.start_batch) + " is past the " + std::to_string(end_) + " batches of the epoch");
    order_ = dataset.order(options.split, options.epoch);
    worker_ = std::thread(&BatchLoader::run, this);
}

BatchLoader::~BatchLoader() {
    {
        const std::lock_guard lock(mutex_);
        stop_ = true;
    }
    changed_.notify_all();
    if (worker_.joinable()) worker_.join();
}

void BatchLoader::run() {
    try {
        for (std::size_t b = options_.start_batch; b < end_; ++b) {
            {
                std::unique_lock lock(mutex_);
                changed_.wait(lock, [&] { return stop_ || ready_.size() < options_.prefetch; });
                if (stop_) break;
            }
            Batch batch = dataset_.assemble(options_.split, options_.epoch, b, options_.batch_size, order_);
            {
                const std::lock_guard lock(mutex_);
                ready_.push_back(std::move(batch));
            }
            changed_.notify_all();
        }
    } catch (...) {
        const std::lock_guard lock(mutex_);
        error_ = std::current_exception();
    }
    {
        const std::lock_guard lock(mutex_);
        finished_ = true;
    }
    changed_.notify_all();
}

std::optional<Batch> BatchLoader::next() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return !ready_.empty() || finished_; });
    if (!ready_.empty()) {
        Batch batch = std::move(ready_.front());
        ready_.pop_front();
        lock.unlock();
        changed_.notify_all();
        return batch;
    }
    if (error_) std::rethrow_exception(error_);
    return std::nullopt;
}

}  // namespace lidecm
