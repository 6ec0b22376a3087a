#include "data/cifar.hpp"

#include <algorithm>
#include <cstdint>
#include <sstream>
#include <vector>

#include "lidecm/core/error.hpp"
#include "lidecm/core/file_io.hpp"

namespace lidecm::detail {
namespace fs = std::filesystem;

namespace {

constexpr int kSide = 32;
constexpr std::size_t kPlane = std::size_t(kSide) * kSide;
constexpr std::size_t kPixelBytes = 3 * kPlane;
// The official files are 30 MB (CIFAR-10 batch) and 150 MB (CIFAR-100 train);
// 4 GiB is far past any real file and still refuses a device or a runaway file.
constexpr std::uint64_t kMaxRecordFileBytes = std::uint64_t(4) << 30;
constexpr std::uint64_t kMaxNamesFileBytes = std::uint64_t(1) << 20;

struct Layout {
    const char* title;          // "CIFAR-10"
    std::size_t label_bytes;    // bytes before the pixels
    std::size_t label_offset;   // which of them is the label used
    int num_classes;            // without a names file
    const char* names_file;
};

Layout layout_of(CifarKind kind) {
    if (kind == CifarKind::cifar10) return {"CIFAR-10", 1, 0, 10, "batches.meta.txt"};
    return {"CIFAR-100", 2, 1, 100, "fine_label_names.txt"};
}

bool is_training_name(const std::string& name, CifarKind kind) {
    if (kind == CifarKind::cifar100) return name == "train.bin";
    return name.rfind("data_batch_", 0) == 0 && name.size() > 15 && name.ends_with(".bin");
}

bool is_test_name(const std::string& name, CifarKind kind) {
    return name == (kind == CifarKind::cifar10 ? "test_batch.bin" : "test.bin");
}

std::vector<fs::path> files_of_folder(const fs::path& folder, CifarKind kind, CifarPart part) {
    std::vector<fs::path> train;
    std::vector<fs::path> test;
    for (const auto& entry : fs::directory_iterator(folder)) {
        if (!entry.is_regular_file()) continue;
        const std::string name = entry.path().filename().string();
        if (is_training_name(name, kind)) train.push_back(entry.path());
        if (is_test_name(name, kind)) test.push_back(entry.path());
    }
    std::sort(train.begin(), train.end());
    const std::string title = layout_of(kind).title;
    const std::string train_names = kind == CifarKind::cifar10 ? "data_batch_*.bin" : "train.bin";
    const std::string test_names = kind == CifarKind::cifar10 ? "test_batch.bin" : "test.bin";
    if (part == CifarPart::automatic) part = train.empty() ? CifarPart::test : CifarPart::train;
    if (part == CifarPart::train && train.empty()) {
        throw IoError(folder.string() + ": no " + title + " training file (" + train_names + ")");
    }
    if (part == CifarPart::test && test.empty()) {
        throw IoError(folder.string() + ": no " + title + " test file (" + test_names + ")");
    }
    if (part == CifarPart::train) return train;
    if (part == CifarPart::test) return test;
    train.insert(train.end(), test.begin(), test.end());
    if (train.empty()) {
        throw IoError(folder.string() + ": no " + title + " files (" + train_names + ", " + test_names + ")");
    }
    return train;
}

std::vector<std::string> class_names(const fs::path& folder, const Layout& layout) {
    const fs::path file = folder / layout.names_file;
    std::vector<std::string> names;
    std::error_code ec;
    if (!fs::is_regular_file(file, ec)) {
        for (int i = 0; i < layout.num_classes; ++i) names.push_back(std::to_string(i));
        return names;
    }
    std::istringstream in(read_file_text(file, kMaxNamesFileBytes));
    std::string line;
    while (std::getline(in, line)) {
        const auto end = line.find_last_not_of(" \t\r");
        if (end == std::string::npos) continue;  // blank line (the official file ends with one)
        names.push_back(line.substr(0, end + 1));
    }
    if (names.empty()) throw IoError(file.string() + ": no class names in the file");
    return names;
}

struct FileRange {
    std::string name;   // file name, for item names
    std::size_t first;  // index of its first record
};

class CifarSource final : public DatasetSource {
public:
    explicit CifarSource(const DatasetOptions& options) : options_(options) {}

    void append(const fs::path& path, const Layout& layout, std::size_t num_classes) {
        const std::size_t record = layout.label_bytes + kPixelBytes;
        const std::vector<unsigned char> bytes = read_file_bytes(path, kMaxRecordFileBytes);
        const std::size_t size = bytes.size();
        if (size % record != 0) {
            throw IoError(path.string() + ": size " + std::to_string(size) + " is not a multiple of the " +
                          std::to_string(record) + "-byte " + layout.title + " record");
        }
        if (size == 0) throw IoError(path.string() + ": file is empty");
        const std::size_t count = size / record;

        files_.push_back({path.filename().string(), labels_.size()});
        labels_.reserve(labels_.size() + count);
        pixels_.reserve(pixels_.size() + count * kPixelBytes);
        for (std::size_t r = 0; r < count; ++r) {
            const unsigned char* rec = bytes.data() + r * record;
            const unsigned label = rec[layout.label_offset];
            if (label >= num_classes) {
                throw IoError(path.string() + ": record " + std::to_string(r) + " has label " +
                              std::to_string(label) + ", outside the " + std::to_string(num_classes) +
                              " classes 0.." + std::to_string(num_classes - 1));
            }
            labels_.push_back(static_cast<std::uint8_t>(label));
            pixels_.insert(pixels_.end(), rec + layout.label_bytes, rec + record);
        }
    }

    [[nodiscard]] std::size_t size() const override { return labels_.size(); }
    [[nodiscard]] int label(std::size_t index) const override { return labels_.at(index); }

    [[nodiscard]] std::string name(std::size_t index) const override {
        const auto it = std::upper_bound(files_.begin(), files_.end(), index,
                                         [](std::size_t i, const FileRange& f) { return i < f.first; });
        const FileRange& file = *(it - 1);
        return file.name + "#" + std::to_string(index - file.first);
    }

    [[nodiscard]] StoredImage load(std::size_t index) const override {
        const unsigned char* rec = pixels_.data() + index * kPixelBytes;
        StoredImage raw{kSide, kSide, 3, SampleDepth::U8, std::vector<unsigned char>(kPixelBytes)};
        for (std::size_t p = 0; p < kPlane; ++p) {
            for (std::size_t c = 0; c < 3; ++c) raw.bytes[3 * p + c] = rec[c * kPlane + p];
        }
        return prepare(std::move(raw), options_);
    }

private:
    DatasetOptions options_;
    std::vector<FileRange> files_;
    std::vector<std::uint8_t> labels_;
    std::vector<unsigned char> pixels_;  // per record: 1024 R, 1024 G, 1024 B, as in the files
};

}  // namespace

std::optional<CifarKind> cifar_kind_of_name(const std::string& file_name) {
    for (const CifarKind kind : {CifarKind::cifar10, CifarKind::cifar100}) {
        if (is_training_name(file_name, kind) || is_test_name(file_name, kind)) return kind;
    }
    return std::nullopt;
}

std::optional<CifarKind> cifar_kind_of_folder(const fs::path& folder) {
    std::optional<CifarKind> found;
    for (const auto& entry : fs::directory_iterator(folder)) {
        if (!entry.is_regular_file()) continue;
        const auto kind = cifar_kind_of_name(entry.path().filename().string());
        if (kind == CifarKind::cifar10) return kind;
        if (kind) found = kind;
    }
    return found;
}

OpenedSource open_cifar(const fs::path& path, CifarKind kind, const DatasetOptions& options) {
    const Layout layout = layout_of(kind);
    std::error_code ec;
    if (!fs::exists(path, ec)) throw IoError(path.string() + ": no such file or folder");
    const bool folder = fs::is_directory(path, ec);
    const std::vector<fs::path> files = folder ? files_of_folder(path, kind, options.cifar_part)
                                               : std::vector<fs::path>{path};

    OpenedSource out;
    out.class_names = class_names(folder ? path : path.parent_path(), layout);
    auto source = std::make_unique<CifarSource>(options);
    for (const auto& file : files) source->append(file, layout, out.class_names.size());
    out.description = std::string(layout.title) + " " + path.string() + ": " + std::to_string(files.size()) +
                      " file(s), " + std::to_string(source->size()) + " items, " +
                      std::to_string(out.class_names.size()) + " classes";
    out.source = std::move(source);
    return out;
}

}  // namespace lidecm::detail
