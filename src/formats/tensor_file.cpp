#include "lidecm/formats/tensor_file.hpp"

#include <algorithm>
#include <bit>
#include <charconv>
#include <cstdio>
#include <limits>
#include <numeric>
#include <tuple>

#include <nlohmann/json.hpp>

#include "lidecm/core/checksum.hpp"
#include "lidecm/core/error.hpp"
#include "lidecm/core/file_io.hpp"

// Tensor bytes are copied to and from memory as they are; the layout stores
// little-endian values, which is what this (x86-64) build runs on. A big-endian
// port would need byte swapping in serialize() and TensorFile::get().
static_assert(std::endian::native == std::endian::little, "tensor files assume a little-endian machine");

namespace lidecm {
namespace {

using nlohmann::json;

constexpr const char* kMetadataKey = "__metadata__";

struct DTypeEntry {
    DType dtype;
    const char* name;
    std::size_t size;
};
constexpr DTypeEntry kDTypes[] = {{DType::F32, "F32", 4}, {DType::F64, "F64", 8}, {DType::I32, "I32", 4},
                                  {DType::I64, "I64", 8}, {DType::U8, "U8", 1},   {DType::U16, "U16", 2},
                                  {DType::U32, "U32", 4}, {DType::U64, "U64", 8}};

const DTypeEntry& entry_of(DType dtype) {
    for (const auto& e : kDTypes) {
        if (e.dtype == dtype) return e;
    }
    throw InvalidArgument("tensor file: unknown dtype value " + std::to_string(int(dtype)));
}

bool is_reserved_key(const std::string& key) {
    return key == "format" || key == "format_version" || key == "checksum";
}

std::string hex8(std::uint32_t value) {
    char text[9];
    std::snprintf(text, sizeof text, "%08x", value);
    return text;
}

// Element count of a shape, or false when it does not fit in 64 bits.
bool element_count(const std::vector<std::uint64_t>& dims, std::uint64_t& count) {
    count = 1;
    if (std::find(dims.begin(), dims.end(), 0u) != dims.end()) {
        count = 0;
        return true;
    }
    for (const std::uint64_t d : dims) {
        if (count > std::numeric_limits<std::uint64_t>::max() / d) return false;
        count *= d;
    }
    return true;
}

std::uint64_t read_le64(const unsigned char* p) {
    std::uint64_t v = 0;
    for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
    return v;
}

// Reads the header's "__metadata__" map and checks format and version, before
// anything else so that a newer file is reported as newer, not as malformed.
std::map<std::string, std::string> read_metadata(const json& header, const std::string& name) {
    std::map<std::string, std::string> metadata;
    const auto it = header.find(kMetadataKey);
    if (it != header.end()) {
        if (!it->is_object()) throw IoError(name + ": header field __metadata__ is not an object");
        for (const auto& [key, value] : it->items()) {
            if (!value.is_string()) throw IoError(name + ": metadata '" + key + "' is not a string");
            metadata[key] = value.get<std::string>();
        }
    }
    const auto format = metadata.find("format");
    if (format == metadata.end()) throw IoError(name + ": not a lidecm file (no format in the header metadata)");
    if (format->second != "lidecm") throw IoError(name + ": not a lidecm file (format is '" + format->second + "')");
    const auto version = metadata.find("format_version");
    if (version == metadata.end()) throw IoError(name + ": no format_version in the header metadata");
    const std::string& v = version->second;
    long long number = 0;
    const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), number);
    if (ec != std::errc() || end != v.data() + v.size() || number < 1) {
        throw IoError(name + ": unsupported format version '" + v + "'");
    }
    if (number > kTensorFormatVersion) {
        throw IoError(name + ": format version " + v + " is newer than this lidecm (" +
                      std::to_string(kTensorFormatVersion) + ")");
    }
    return metadata;
}

std::vector<std::uint64_t> read_dims(const json& field, const std::string& what, std::size_t exact_size) {
    if (!field.is_array() || (exact_size > 0 && field.size() != exact_size)) {
        throw IoError(what + (exact_size ? " is not an array of " + std::to_string(exact_size) + " integers"
                                         : " is not an array of integers"));
    }
    std::vector<std::uint64_t> out;
    for (const auto& item : field) {
        if (!item.is_number_unsigned()) throw IoError(what + " holds a value that is not an integer ≥ 0");
        out.push_back(item.get<std::uint64_t>());
    }
    return out;
}

TensorInfo read_tensor_entry(const std::string& tensor, const json& entry, const std::string& name) {
    const std::string where = name + ": tensor '" + tensor + "'";
    if (!entry.is_object()) throw IoError(where + ": header entry is not an object");
    for (const auto& [key, value] : entry.items()) {
        if (key != "dtype" && key != "shape" && key != "data_offsets") {
            throw IoError(where + ": unexpected header field '" + key + "'");
        }
    }
    const auto dtype = entry.find("dtype");
    if (dtype == entry.end() || !dtype->is_string()) throw IoError(where + ": dtype missing or not a string");
    const std::string dtype_text = dtype->get<std::string>();
    const auto known = std::find_if(std::begin(kDTypes), std::end(kDTypes),
                                    [&](const DTypeEntry& e) { return dtype_text == e.name; });
    if (known == std::end(kDTypes)) throw IoError(where + ": unknown dtype '" + dtype_text + "'");
    if (!entry.contains("shape")) throw IoError(where + ": shape missing");
    if (!entry.contains("data_offsets")) throw IoError(where + ": data_offsets missing");
    const auto dims = read_dims(entry["shape"], where + ": shape", 0);
    const auto offsets = read_dims(entry["data_offsets"], where + ": data_offsets", 2);

    TensorInfo info;
    info.dtype = known->dtype;
    for (const std::uint64_t d : dims) {
        if (d > std::uint64_t(std::numeric_limits<std::int64_t>::max())) {
            throw IoError(where + ": shape has a dimension over 2^63");
        }
        info.shape.push_back(std::int64_t(d));
    }
    std::uint64_t count = 0;
    if (!element_count(dims, count) || count > std::numeric_limits<std::uint64_t>::max() / known->size) {
        throw IoError(where + ": shape " + shape_string(info.shape) + " overflows 64 bits");
    }
    info.begin = offsets[0];
    info.end = offsets[1];
    if (info.begin > info.end) {
        throw IoError(where + ": data_offsets [" + std::to_string(info.begin) + ", " + std::to_string(info.end) +
                      "] end before they begin");
    }
    const std::uint64_t needed = count * known->size;
    if (info.end - info.begin != needed) {
        throw IoError(where + ": data_offsets span " + std::to_string(info.end - info.begin) + " bytes but " +
                      known->name + " " + shape_string(info.shape) + " needs " + std::to_string(needed));
    }
    return info;
}

// safetensors requires the tensors to tile the data buffer exactly.
void check_layout(const std::map<std::string, TensorInfo>& tensors, std::vector<std::string>& order,
                  std::uint64_t data_size, const std::string& name) {
    order.clear();
    for (const auto& [tensor, info] : tensors) order.push_back(tensor);
    std::sort(order.begin(), order.end(), [&](const std::string& a, const std::string& b) {
        const TensorInfo& x = tensors.at(a);
        const TensorInfo& y = tensors.at(b);
        return std::tie(x.begin, x.end, a) < std::tie(y.begin, y.end, b);
    });
    std::uint64_t expected = 0;
    std::string previous;
    for (const std::string& tensor : order) {
        const TensorInfo& info = tensors.at(tensor);
        const std::string where = name + ": tensor '" + tensor + "'";
        if (info.end > data_size) {
            throw IoError(where + " ends at byte " + std::to_string(info.end) + ", past the end of the data (" +
                          std::to_string(data_size) + " bytes): file truncated or corrupt");
        }
        if (info.begin < expected) {
            throw IoError(where + " overlaps tensor '" + previous + "' (starts at byte " +
                          std::to_string(info.begin) + ", before " + std::to_string(expected) + ")");
        }
        if (info.begin > expected) {
            throw IoError(where + " starts at byte " + std::to_string(info.begin) + " but the data before it ends at " +
                          std::to_string(expected) + " (gap)");
        }
        expected = info.end;
        previous = tensor;
    }
    if (expected != data_size) {
        throw IoError(name + ": " + std::to_string(data_size - expected) +
                      " bytes after the last tensor (trailing data)");
    }
}

}  // namespace

std::size_t dtype_size(DType dtype) { return entry_of(dtype).size; }
const char* dtype_name(DType dtype) { return entry_of(dtype).name; }

std::string shape_string(const Shape& shape) {
    std::string out = "[";
    for (std::size_t i = 0; i < shape.size(); ++i) out += (i ? ", " : "") + std::to_string(shape[i]);
    return out + "]";
}

// --- writer --------------------------------------------------------------------

void TensorFileWriter::add_bytes(const std::string& name, DType dtype, const void* data, std::size_t count,
                                 const Shape& shape) {
    require(!name.empty(), "tensor file", "tensor name is empty");
    require(name != kMetadataKey, "tensor file", "tensor name __metadata__ is reserved");
    require(std::none_of(entries_.begin(), entries_.end(), [&](const Entry& e) { return e.name == name; }),
            "tensor file", "duplicate tensor name '" + name + "'");
    const std::string mismatch =
        "shape " + shape_string(shape) + " does not match " + std::to_string(count) + " values";
    std::vector<std::uint64_t> dims;
    for (const std::int64_t d : shape) {
        require(d >= 0, "tensor '" + name + "'", "negative dimension in shape " + shape_string(shape));
        dims.push_back(std::uint64_t(d));
    }
    std::uint64_t product = 0;
    require(element_count(dims, product) && product == count, "tensor '" + name + "'", mismatch);
    try {
        (void)json(name).dump();  // dump() refuses invalid UTF-8: find out now, not at serialize()
    } catch (const json::exception&) {
        throw InvalidArgument("tensor file: tensor name is not valid UTF-8");
    }
    const auto* p = static_cast<const unsigned char*>(data);
    entries_.push_back({name, dtype, shape, std::vector<unsigned char>(p, p + count * dtype_size(dtype))});
}

void TensorFileWriter::set_metadata(const std::string& key, const std::string& value) {
    require(!is_reserved_key(key), "tensor file", "metadata key '" + key + "' is set by the writer itself");
    try {
        (void)json(key).dump();
        (void)json(value).dump();
    } catch (const json::exception&) {
        throw InvalidArgument("tensor file: metadata '" + key + "' is not valid UTF-8");
    }
    metadata_[key] = value;
}

std::vector<unsigned char> TensorFileWriter::serialize() const {
    std::vector<std::size_t> order(entries_.size());
    std::iota(order.begin(), order.end(), std::size_t(0));
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        return dtype_size(entries_[a].dtype) > dtype_size(entries_[b].dtype);
    });

    json header = json::object();
    std::vector<unsigned char> data;
    for (const std::size_t i : order) {
        const Entry& e = entries_[i];
        const std::uint64_t begin = data.size();
        data.insert(data.end(), e.bytes.begin(), e.bytes.end());
        header[e.name] = {{"dtype", dtype_name(e.dtype)},
                          {"shape", e.shape},
                          {"data_offsets", {begin, std::uint64_t(data.size())}}};
    }
    json metadata(metadata_);
    metadata["format"] = "lidecm";
    metadata["format_version"] = std::to_string(kTensorFormatVersion);
    metadata["checksum"] = hex8(crc32(data.data(), data.size()));
    header[kMetadataKey] = std::move(metadata);

    std::string text = header.dump();
    text.append((8 - text.size() % 8) % 8, ' ');  // as safetensors does: data starts 8-aligned
    // Sized once and filled with copies: GCC 12 misreports vector::insert here (-Warray-bounds).
    std::vector<unsigned char> out(8 + text.size() + data.size());
    for (std::size_t i = 0; i < 8; ++i) out[i] = static_cast<unsigned char>(std::uint64_t(text.size()) >> (8 * i));
    std::copy(text.begin(), text.end(), out.begin() + 8);
    std::copy(data.begin(), data.end(), out.begin() + 8 + std::ptrdiff_t(text.size()));
    return out;
}

void TensorFileWriter::write(const std::filesystem::path& path) const { write_file_atomically(path, serialize()); }

// --- reader --------------------------------------------------------------------

const TensorInfo& TensorFile::info(const std::string& tensor) const {
    const auto it = tensors_.find(tensor);
    if (it == tensors_.end()) throw IoError(name_ + ": no tensor '" + tensor + "'");
    return it->second;
}

void TensorFile::require_shape(const std::string& tensor, const Shape& expected) const {
    const TensorInfo& i = info(tensor);
    if (i.shape != expected) {
        throw IoError(name_ + ": tensor '" + tensor + "' has shape " + shape_string(i.shape) + ", expected " +
                      shape_string(expected));
    }
}

std::span<const unsigned char> TensorFile::bytes_of(const std::string& tensor, DType expected) const {
    const TensorInfo& i = info(tensor);
    if (i.dtype != expected) {
        throw IoError(name_ + ": tensor '" + tensor + "' is " + dtype_name(i.dtype) + ", expected " +
                      dtype_name(expected));
    }
    return {bytes_.data() + data_start_ + i.begin, std::size_t(i.end - i.begin)};
}

const std::string& TensorFile::metadata(const std::string& key) const {
    const auto it = metadata_.find(key);
    if (it == metadata_.end()) throw IoError(name_ + ": no metadata '" + key + "'");
    return it->second;
}

std::int64_t TensorFile::metadata_int(const std::string& key) const {
    const std::string& v = metadata(key);
    std::int64_t value = 0;
    const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), value);
    if (ec != std::errc() || end != v.data() + v.size()) {
        throw IoError(name_ + ": metadata '" + key + "' = '" + v + "' is not an integer");
    }
    return value;
}

TensorFile parse_tensor_file(std::vector<unsigned char> bytes, const std::string& name,
                             const TensorFileLimits& limits) {
    if (bytes.size() < 8) {
        throw IoError(name + ": too short to be a lidecm file (" + std::to_string(bytes.size()) +
                      " bytes, the header length alone takes 8)");
    }
    const std::uint64_t header_size = read_le64(bytes.data());
    if (header_size > limits.max_header_bytes) {
        throw IoError(name + ": header length " + std::to_string(header_size) + " is over the limit of " +
                      std::to_string(limits.max_header_bytes) + " bytes (corrupt file?)");
    }
    if (header_size > bytes.size() - 8) {
        throw IoError(name + ": header length " + std::to_string(header_size) + " runs past the end of the file (" +
                      std::to_string(bytes.size()) + " bytes): truncated or corrupt");
    }
    TensorFile file;
    file.name_ = name;
    file.data_start_ = std::size_t(8 + header_size);
    json header;
    try {
        header = json::parse(bytes.begin() + 8, bytes.begin() + std::ptrdiff_t(file.data_start_));
    } catch (const json::exception& e) {
        throw IoError(name + ": header is not valid JSON (" + e.what() + ")");
    }
    if (!header.is_object()) throw IoError(name + ": header is not a JSON object");
    try {
        file.metadata_ = read_metadata(header, name);
        for (const auto& [tensor, entry] : header.items()) {
            if (tensor != kMetadataKey) file.tensors_[tensor] = read_tensor_entry(tensor, entry, name);
        }
    } catch (const json::exception& e) {  // not expected after the type checks; never let one escape
        throw IoError(name + ": malformed header (" + e.what() + ")");
    }
    const std::uint64_t data_size = bytes.size() - file.data_start_;
    check_layout(file.tensors_, file.order_, data_size, name);

    const auto stored = file.metadata_.find("checksum");
    if (stored == file.metadata_.end()) throw IoError(name + ": no checksum in the header metadata");
    const std::string actual = hex8(crc32(bytes.data() + file.data_start_, std::size_t(data_size)));
    if (stored->second.size() != 8 ||
        !std::all_of(stored->second.begin(), stored->second.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); })) {
        throw IoError(name + ": checksum '" + stored->second + "' is not 8 lowercase hex digits");
    }
    if (stored->second != actual) throw IoError(name + ": checksum mismatch (file altered or corrupt)");
    file.bytes_ = std::move(bytes);
    return file;
}

TensorFile read_tensor_file(const std::filesystem::path& path, const TensorFileLimits& limits) {
    return parse_tensor_file(read_file_bytes(path, limits.max_file_bytes), path.string(), limits);
}

}  // namespace lidecm
