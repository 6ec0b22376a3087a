// Image files as a dataset source: headers read when opened (the tile grid follows
// from the size), pixels decoded when the loader asks for a file.
#include "data/file_source.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <set>

#include "core/parallel.hpp"
#include "lidecm/core/error.hpp"
#include "lidecm/data/samples.hpp"

namespace lidecm::detail {
namespace fs = std::filesystem;

namespace {

struct FileEntry {
    fs::path path;
    std::string name;
    int label = 0;
    ImageHeader header;
};

// One item of a file source: a file's prepared image, or one R×R tile of it.
struct TileRef {
    std::size_t file = 0;
    int x = 0;
    int y = 0;
};

// Libjpeg's DCT scaling makes the decode itself 1/k the size, and far cheaper than
// decoding in full and shrinking; a shorter side of 2R or more is left for the
// area resize, so what little the scaled IDCT blurs is averaged away (BENCHMARKS.md).
int reduce_factor(const ImageHeader& header, const DatasetOptions& options) {
    if (options.tiles || !options.reduced_decode || header.format != "jpeg") return 1;
    const int shorter = std::min(header.width, header.height);
    for (const int k : {8, 4, 2}) {
        if ((shorter + k - 1) / k >= 2 * options.resolution) return k;
    }
    return 1;
}

// The size detail::prepare gives a file with this header.
std::pair<int, int> prepared_size(const ImageHeader& header, const DatasetOptions& options) {
    const int r = options.resolution;
    if (!options.tiles) return {r, r};
    if (std::min(header.height, header.width) < r) return shorter_side_size(header.height, header.width, r);
    return {header.height, header.width};
}

class FileSource final : public DatasetSource {
public:
    FileSource(const DatasetOptions& options, std::vector<FileEntry> files, std::vector<TileRef> items)
        : options_(options), files_(std::move(files)), items_(std::move(items)) {}

    [[nodiscard]] std::size_t size() const override { return items_.size(); }
    [[nodiscard]] int label(std::size_t index) const override { return files_[items_.at(index).file].label; }
    [[nodiscard]] std::string name(std::size_t index) const override {
        const TileRef& t = items_.at(index);
        const std::string& file = files_[t.file].name;
        return options_.tiles ? file + "@" + std::to_string(t.x) + "," + std::to_string(t.y) : file;
    }
    [[nodiscard]] std::size_t group(std::size_t index) const override { return items_.at(index).file; }
    [[nodiscard]] std::string path(std::size_t g) const override { return files_.at(g).path.string(); }
    [[nodiscard]] bool decodes_files() const override { return true; }

    [[nodiscard]] StoredImage load(std::size_t g) const override {
        const FileEntry& file = files_.at(g);
        const int reduce = reduce_factor(file.header, options_);
        StoredImage image = prepare(load_stored_image(file.path, {options_.max_pixels}, reduce), options_,
                                    {file.header.height, file.header.width});
        // The tile grid was laid out from the header when the folder was opened.
        const auto [h, w] = prepared_size(file.header, options_);
        if (image.height != h || image.width != w) {
            throw IoError(file.path.string() + ": size changed since the dataset was opened");
        }
        return image;
    }

    [[nodiscard]] StoredImage cut(const StoredImage& loaded, std::size_t index) const override {
        if (!options_.tiles) return loaded;
        const TileRef& t = items_.at(index);
        return crop(loaded, t.y, t.x, options_.resolution, options_.resolution);
    }

private:
    DatasetOptions options_;
    std::vector<FileEntry> files_;
    std::vector<TileRef> items_;
};

bool has_dataset_extension(const fs::path& path) {
    static constexpr std::array<const char*, 10> kExtensions = {
        ".png", ".jpg", ".jpeg", ".bmp", ".ppm", ".pgm", ".pnm", ".tif", ".tiff", ".webp"};
    std::string ext = path.extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    return std::find(kExtensions.begin(), kExtensions.end(), ext) != kExtensions.end();
}

// Reads every candidate's header (in parallel: a folder may hold a million files on
// a network disk) and lays out the items; a file with a bad header is skipped.
OpenedSource open_files(std::vector<FileEntry> candidates, const DatasetOptions& options) {
    const std::size_t n = candidates.size();
    std::vector<std::string> errors(n);
    // A bad file is skipped and reported; anything else (out of memory, ...) is
    // not the file's fault and ends the open.
    parallel_for(n, [&](std::size_t i) {
        try {
            candidates[i].header = read_file_header(candidates[i].path, {options.max_pixels});
        } catch (const IoError& e) {
            errors[i] = e.what();
        }
    });
    OpenedSource out;
    std::vector<FileEntry> files;
    for (std::size_t i = 0; i < n; ++i) {
        if (errors[i].empty()) {
            files.push_back(std::move(candidates[i]));
        } else {
            out.skipped.push_back({candidates[i].path.string(), errors[i]});
        }
    }
    std::vector<TileRef> items;
    const int r = options.resolution;
    for (std::size_t f = 0; f < files.size(); ++f) {
        const auto [h, w] = prepared_size(files[f].header, options);
        const int rows = options.tiles ? h / r : 1;
        const int cols = options.tiles ? w / r : 1;
        for (int ty = 0; ty < rows; ++ty) {
            for (int tx = 0; tx < cols; ++tx) items.push_back({f, tx * r, ty * r});
        }
    }
    out.source = std::make_unique<FileSource>(options, std::move(files), std::move(items));
    return out;
}

std::string folder_name(const fs::path& folder) {
    fs::path p = fs::absolute(folder).lexically_normal();
    if (!p.has_filename()) p = p.parent_path();
    return p.filename().empty() ? "images" : p.filename().string();
}

std::string count_text(const OpenedSource& o, std::size_t candidates, const DatasetOptions& options) {
    const std::size_t usable = candidates - o.skipped.size();
    std::string tiles;
    if (options.tiles) {
        const std::string r = std::to_string(options.resolution);
        tiles = " in " + std::to_string(o.source->size()) + " tiles of " + r + "x" + r;
    }
    return std::to_string(usable) + " of " + std::to_string(candidates) + " image files" + tiles + ", " +
           std::to_string(o.class_names.size()) + " class(es)";
}

}  // namespace

OpenedSource open_folder(const fs::path& root, const DatasetOptions& options) {
    std::vector<std::pair<fs::path, fs::path>> found;  // (path, path relative to root)
    for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator(); ++it) {
        const std::string name = it->path().filename().string();
        if (name.starts_with(".")) {  // hidden files and folders (.git, ._x.jpg of macOS)
            if (it->is_directory()) it.disable_recursion_pending();
            continue;
        }
        if (it->is_regular_file() && has_dataset_extension(it->path())) {
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
        candidates.push_back({path, rel.generic_string(), label, {}});
    }
    const std::size_t count = candidates.size();
    OpenedSource out = open_files(std::move(candidates), options);
    if (out.source->size() == 0) {
        throw IoError(root.string() + ": none of the " + std::to_string(count) +
                      " image files could be read (first: " + out.skipped.front().reason + ")");
    }
    out.class_names = class_names;
    out.description = "image folder " + root.string() + ": " + count_text(out, count, options);
    out.skipped.insert(out.skipped.begin(), unclassified.begin(), unclassified.end());
    return out;
}

OpenedSource open_image(const fs::path& path, const DatasetOptions& options) {
    OpenedSource out = open_files({{path, path.filename().string(), 0, {}}}, options);
    if (out.source->size() == 0) throw IoError(out.skipped.front().reason);  // names the file already
    out.class_names = {path.stem().string()};
    out.description = "image " + path.string() + ": " + count_text(out, 1, options);
    return out;
}

OpenedSource open_samples(const DatasetOptions& options) {
    std::vector<FileEntry> candidates;
    for (const auto& file : sample_images()) candidates.push_back({file, file.filename().string(), 0, {}});
    const std::size_t count = candidates.size();
    OpenedSource out = open_files(std::move(candidates), options);
    if (out.source->size() == 0) {
        throw IoError(samples_dir().string() + ": none of the sample images could be read (first: " +
                      out.skipped.front().reason + ")");
    }
    out.class_names = {"samples"};
    out.description = "samples " + samples_dir().string() + ": " + count_text(out, count, options);
    return out;
}

}  // namespace lidecm::detail
