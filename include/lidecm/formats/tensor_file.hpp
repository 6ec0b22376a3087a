#pragma once
// Named typed arrays in the safetensors layout (DESIGN §6), the container of
// model files. A file is: an 8-byte little-endian header length N, N bytes of
// JSON (padded with spaces so the data starts at a multiple of 8), then the data
// buffer. The header maps each tensor name to {"dtype", "shape",
// "data_offsets": [begin, end]} (byte offsets into the data buffer) and holds a
// "__metadata__" map of strings. Python's `safetensors` package reads our files.
//
// lidecm adds three metadata keys, set by the writer and checked by the reader:
// "format" = "lidecm", "format_version" = kTensorFormatVersion (decimal) and
// "checksum" = CRC-32 (zlib's) of the whole data buffer as 8 lowercase hex
// digits. The checksum covers tensor bytes only, not the header: store anything
// that must be protected against alteration as a tensor, not as metadata.
#include <concepts>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <map>
#include <span>
#include <string>
#include <vector>

namespace lidecm {

/// Format version written into new files; files with a higher one are refused.
inline constexpr int kTensorFormatVersion = 1;

/// Element types of the safetensors layout that lidecm uses.
enum class DType : std::uint8_t { F32, F64, I32, I64, U8, U16, U32, U64 };

/// Bytes per element.
std::size_t dtype_size(DType dtype);
/// The safetensors spelling: "F32", "U8", ...
const char* dtype_name(DType dtype);

/// C++ types that can be stored: one per DType.
template <class T>
concept TensorElement = std::same_as<T, float> || std::same_as<T, double> || std::same_as<T, std::int32_t> ||
                        std::same_as<T, std::int64_t> || std::same_as<T, std::uint8_t> ||
                        std::same_as<T, std::uint16_t> || std::same_as<T, std::uint32_t> ||
                        std::same_as<T, std::uint64_t>;

/// The DType of a C++ element type.
template <TensorElement T>
constexpr DType dtype_of() {
    if constexpr (std::same_as<T, float>) return DType::F32;
    else if constexpr (std::same_as<T, double>) return DType::F64;
    else if constexpr (std::same_as<T, std::int32_t>) return DType::I32;
    else if constexpr (std::same_as<T, std::int64_t>) return DType::I64;
    else if constexpr (std::same_as<T, std::uint8_t>) return DType::U8;
    else if constexpr (std::same_as<T, std::uint16_t>) return DType::U16;
    else if constexpr (std::same_as<T, std::uint32_t>) return DType::U32;
    else return DType::U64;
}

/// Dimensions, outermost first; {} is a scalar (one element), {0} an empty tensor.
using Shape = std::vector<std::int64_t>;

/// "[2, 3]"
std::string shape_string(const Shape& shape);

/// Where one tensor lives in a file's data buffer.
struct TensorInfo {
    DType dtype = DType::F32;  ///< element type
    Shape shape;               ///< dimensions, outermost first
    std::uint64_t begin = 0;  ///< byte offset into the data buffer
    std::uint64_t end = 0;    ///< one past the last byte
};

/// Bounds applied when reading, so a corrupt or hostile file cannot make the
/// reader allocate more than this.
struct TensorFileLimits {
    /// Header lengths above this are refused before anything is allocated for them.
    std::uint64_t max_header_bytes = std::uint64_t(16) << 20;
    /// Files larger than this are refused before being read (read_tensor_file only).
    std::uint64_t max_file_bytes = std::uint64_t(16) << 30;
};

/// Collects tensors and metadata, then writes them as one file.
class TensorFileWriter {
public:
    /// Adds a tensor; values.size() must equal the product of `shape`. Throws
    /// InvalidArgument for a duplicate or empty name, "__metadata__", a negative
    /// dimension or a size mismatch.
    template <TensorElement T>
    void add(const std::string& name, std::span<const T> values, const Shape& shape) {
        add_bytes(name, dtype_of<T>(), values.data(), values.size(), shape);
    }
    /// As above, from a vector.
    template <TensorElement T>
    void add(const std::string& name, const std::vector<T>& values, const Shape& shape) {
        add(name, std::span<const T>(values), shape);
    }
    /// A 1-D tensor of all of `values`.
    template <TensorElement T>
    void add(const std::string& name, const std::vector<T>& values) {
        add(name, std::span<const T>(values), Shape{std::int64_t(values.size())});
    }

    /// Sets a metadata string (replacing an earlier value). "format",
    /// "format_version" and "checksum" are the writer's own: InvalidArgument.
    void set_metadata(const std::string& key, const std::string& value);

    /// The whole file. Tensors are laid out by decreasing element size, then in
    /// the order they were added, so every tensor is aligned to its element size.
    [[nodiscard]] std::vector<unsigned char> serialize() const;

    /// serialize() written with write_file_atomically: an existing file at
    /// `path` is replaced only once the new one is completely written.
    void write(const std::filesystem::path& path) const;

private:
    struct Entry {
        std::string name;
        DType dtype;
        Shape shape;
        std::vector<unsigned char> bytes;
    };
    void add_bytes(const std::string& name, DType dtype, const void* data, std::size_t count, const Shape& shape);
    std::vector<Entry> entries_;
    std::map<std::string, std::string> metadata_;
};

/// A validated file held in memory, with typed access to its tensors. Every
/// accessor throws IoError naming the file for a missing tensor or key, a
/// dtype other than the one asked for, or a shape other than the one expected.
class TensorFile {
public:
    /// The name errors use (the path it was read from).
    [[nodiscard]] const std::string& name() const { return name_; }
    [[nodiscard]] bool has(const std::string& tensor) const { return tensors_.count(tensor) > 0; }
    /// Tensor names in data-buffer order.
    [[nodiscard]] const std::vector<std::string>& names() const { return order_; }
    [[nodiscard]] const TensorInfo& info(const std::string& tensor) const;

    /// The values of a tensor whose dtype is T's.
    template <TensorElement T>
    [[nodiscard]] std::vector<T> get(const std::string& tensor) const {
        const std::span<const unsigned char> bytes = bytes_of(tensor, dtype_of<T>());
        std::vector<T> out(bytes.size() / sizeof(T));
        if (!bytes.empty()) std::memcpy(out.data(), bytes.data(), bytes.size());
        return out;
    }
    /// As get(tensor), also requiring the shape to be `expected`.
    template <TensorElement T>
    [[nodiscard]] std::vector<T> get(const std::string& tensor, const Shape& expected) const {
        require_shape(tensor, expected);
        return get<T>(tensor);
    }
    /// Throws IoError unless the tensor exists with shape `expected`.
    void require_shape(const std::string& tensor, const Shape& expected) const;

    [[nodiscard]] bool has_metadata(const std::string& key) const { return metadata_.count(key) > 0; }
    [[nodiscard]] const std::string& metadata(const std::string& key) const;
    /// A metadata value that must be a decimal integer.
    [[nodiscard]] std::int64_t metadata_int(const std::string& key) const;
    /// Every metadata entry, including format, format_version and checksum.
    [[nodiscard]] const std::map<std::string, std::string>& all_metadata() const { return metadata_; }

private:
    friend TensorFile parse_tensor_file(std::vector<unsigned char> bytes, const std::string& name,
                                        const TensorFileLimits& limits);
    [[nodiscard]] std::span<const unsigned char> bytes_of(const std::string& tensor, DType expected) const;

    std::string name_;
    std::vector<unsigned char> bytes_;  ///< the whole file
    std::size_t data_start_ = 0;        ///< where the data buffer starts in bytes_
    std::map<std::string, TensorInfo> tensors_;
    std::vector<std::string> order_;
    std::map<std::string, std::string> metadata_;
};

/// Validates a whole file held in memory: layout, header, dtypes, shapes,
/// offsets (contiguous, no gap, no overlap, no trailing bytes), format, version
/// and checksum. Throws IoError("<name>: <problem>") for the first problem found.
TensorFile parse_tensor_file(std::vector<unsigned char> bytes, const std::string& name,
                             const TensorFileLimits& limits = {});

/// Reads and validates a file (see parse_tensor_file).
TensorFile read_tensor_file(const std::filesystem::path& path, const TensorFileLimits& limits = {});

}  // namespace lidecm
