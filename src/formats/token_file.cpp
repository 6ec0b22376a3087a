#include "lidecm/formats/token_file.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>

#include "lidecm/core/checksum.hpp"
#include "lidecm/codebook/codebook.hpp"
#include "lidecm/core/error.hpp"
#include "lidecm/core/file_io.hpp"
#include "formats/token_prior_coding.hpp"

namespace lidecm {
namespace {

constexpr std::array<unsigned char, 8> kMagic = {'L', 'D', 'C', 'M', 'T', 'O', 'K', '\0'};
constexpr std::size_t kCrcBytes = 4;

void put_u32(std::vector<unsigned char>& out, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<unsigned char>(v >> (8 * i)));
}

std::uint32_t get_u32(const unsigned char* p) {
    return std::uint32_t(p[0]) | std::uint32_t(p[1]) << 8 | std::uint32_t(p[2]) << 16 | std::uint32_t(p[3]) << 24;
}

// Everything but the indices, so a reader can check it before allocating them.
std::string geometry_problem(const TokenGrid& g) {
    const std::string side_range = "[1, " + std::to_string(kMaxTokenImageSide) + "]";
    if (g.image_height < 1 || g.image_height > kMaxTokenImageSide) {
        return "image height " + std::to_string(g.image_height) + " is outside " + side_range;
    }
    if (g.image_width < 1 || g.image_width > kMaxTokenImageSide) {
        return "image width " + std::to_string(g.image_width) + " is outside " + side_range;
    }
    if (g.channels != 1 && g.channels != 3) return "channels is " + std::to_string(g.channels) + ", not 1 or 3";
    if (g.patch_size < 1 || g.patch_size > kMaxTokenPatchSize) {
        return "patch size " + std::to_string(g.patch_size) + " is outside [1, " +
               std::to_string(kMaxTokenPatchSize) + "]";
    }
    if (g.patch_size > std::min(g.image_height, g.image_width)) {
        return "patch size " + std::to_string(g.patch_size) + " is larger than the " +
               std::to_string(g.image_height) + "x" + std::to_string(g.image_width) + " image";
    }
    if (!valid_num_codes(g.num_codes)) {
        return "codebook size K = " + std::to_string(g.num_codes) + " is outside " + num_codes_range();
    }
    if (std::uint64_t(g.rows()) * std::uint64_t(g.cols()) > kMaxTokens) {
        return std::to_string(g.rows()) + "x" + std::to_string(g.cols()) + " tokens is over the limit of " +
               std::to_string(kMaxTokens);
    }
    return {};
}

std::string indices_problem(const TokenGrid& g) {
    const auto max = std::max_element(g.indices.begin(), g.indices.end());
    if (max != g.indices.end() && int(*max) >= g.num_codes) {
        return "token " + std::to_string(max - g.indices.begin()) + " is index " + std::to_string(*max) +
               ", not below K = " + std::to_string(g.num_codes);
    }
    return {};
}

// A stored u32 as an int field, or an error when it cannot be one.
int as_int(std::uint32_t v, const std::string& field, const std::string& name) {
    if (v > 0x7fffffffu) throw IoError(name + ": implausible " + field + " " + std::to_string(v));
    return int(v);
}

}  // namespace

std::string token_grid_problem(const TokenGrid& grid) {
    if (std::string p = geometry_problem(grid); !p.empty()) return p;
    const std::size_t n = std::size_t(grid.rows()) * std::size_t(grid.cols());
    if (grid.indices.size() != n) {
        return std::to_string(grid.indices.size()) + " indices for a " + std::to_string(grid.rows()) + "x" +
               std::to_string(grid.cols()) + " grid";
    }
    return indices_problem(grid);
}

namespace {

void put_header(std::vector<unsigned char>& out, const TokenGrid& grid, std::uint32_t version) {
    out.assign(kMagic.begin(), kMagic.end());
    for (const std::uint32_t v :
         {version, std::uint32_t(grid.image_height), std::uint32_t(grid.image_width), std::uint32_t(grid.channels),
          std::uint32_t(grid.patch_size), std::uint32_t(grid.num_codes), grid.codebook_checksum,
          std::uint32_t(grid.rows()), std::uint32_t(grid.cols())}) {
        put_u32(out, v);
    }
}

// Where a checked file's indices or coded bytes lie.
struct Payload {
    const unsigned char* data = nullptr;
    std::size_t size = 0;
};

Payload parse(const std::vector<unsigned char>& bytes, const std::string& name, TokenFileHeader& h) {
    if (bytes.size() < kMagic.size() || !std::equal(kMagic.begin(), kMagic.end(), bytes.begin())) {
        throw IoError(name + ": not a lidecm token file");
    }
    if (bytes.size() < kTokenFileHeaderBytes) {
        throw IoError(name + ": truncated (" + std::to_string(bytes.size()) + " bytes, the header alone takes " +
                      std::to_string(kTokenFileHeaderBytes) + ")");
    }
    const unsigned char* field = bytes.data() + kMagic.size();
    const std::uint32_t version = get_u32(field);
    if (version > kTokenFileVersion) {
        throw IoError(name + ": token file version " + std::to_string(version) + " is newer than this lidecm (" +
                      std::to_string(kTokenFileVersion) + ")");
    }
    if (version < 1) throw IoError(name + ": unsupported token file version " + std::to_string(version));
    TokenGrid& grid = h.shape;
    grid.image_height = as_int(get_u32(field + 4), "image height", name);
    grid.image_width = as_int(get_u32(field + 8), "image width", name);
    grid.channels = as_int(get_u32(field + 12), "channel count", name);
    grid.patch_size = as_int(get_u32(field + 16), "patch size", name);
    grid.num_codes = as_int(get_u32(field + 20), "codebook size", name);
    grid.codebook_checksum = get_u32(field + 24);
    const std::uint32_t rows = get_u32(field + 28);
    const std::uint32_t cols = get_u32(field + 32);
    if (const std::string p = geometry_problem(grid); !p.empty()) throw IoError(name + ": " + p);
    if (rows != std::uint32_t(grid.rows()) || cols != std::uint32_t(grid.cols())) {
        throw IoError(name + ": stores a " + std::to_string(rows) + "x" + std::to_string(cols) + " grid but a " +
                      std::to_string(grid.image_height) + "x" + std::to_string(grid.image_width) +
                      " image in patches of " + std::to_string(grid.patch_size) + " has " +
                      std::to_string(grid.rows()) + "x" + std::to_string(grid.cols()));
    }
    const std::size_t count = std::size_t(rows) * cols;  // ≤ kMaxTokens: no overflow
    Payload payload;
    std::size_t header_bytes = kTokenFileHeaderBytes;
    if (version == 1) {
        h.coding = TokenCoding::fixed;
        payload.size = 2 * count;
    } else {
        if (bytes.size() < kCodedTokenFileHeaderBytes) {
            throw IoError(name + ": truncated (" + std::to_string(bytes.size()) + " bytes, the header alone takes " +
                          std::to_string(kCodedTokenFileHeaderBytes) + ")");
        }
        const unsigned char* coded = bytes.data() + kTokenFileHeaderBytes;
        if (get_u32(coded) != 1) throw IoError(name + ": unknown token coding " + std::to_string(get_u32(coded)));
        h.coding = TokenCoding::prior;
        h.label = as_int(get_u32(coded + 4), "class", name);
        h.prior_checksum = get_u32(coded + 8);
        payload.size = get_u32(coded + 12);
        header_bytes = kCodedTokenFileHeaderBytes;
    }
    const std::uint64_t expected = std::uint64_t(header_bytes) + payload.size + kCrcBytes;
    if (bytes.size() < expected) {
        throw IoError(name + ": truncated (" + std::to_string(bytes.size()) + " bytes, " + std::to_string(expected) +
                      " expected)");
    }
    if (bytes.size() > expected) {
        throw IoError(name + ": " + std::to_string(bytes.size() - expected) + " unexpected bytes after the end");
    }
    if (crc32(bytes.data(), expected - kCrcBytes) != get_u32(bytes.data() + expected - kCrcBytes)) {
        throw IoError(name + ": checksum mismatch (file altered or corrupt)");
    }
    h.file_bytes = bytes.size();
    payload.data = bytes.data() + header_bytes;
    return payload;
}

void require_prior_fits(const TokenGrid& grid, const TokenPrior& prior, int label, const std::string& name) {
    if (grid.num_codes != prior.codes()) {
        throw InvalidArgument(name + ": tokens of a codebook of " + std::to_string(grid.num_codes) +
                              " codes cannot be coded with a token prior of " + std::to_string(prior.codes()));
    }
    if (label < 0 || label >= prior.classes()) {
        throw InvalidArgument(name + ": class " + std::to_string(label) + " is not one of the token prior's " +
                              std::to_string(prior.classes()));
    }
}

}  // namespace

double TokenFileHeader::stored_bits_per_pixel() const {
    return 8.0 * double(file_bytes) / (double(shape.image_height) * double(shape.image_width));
}

std::vector<unsigned char> encode_token_file(const TokenGrid& grid, const std::string& name) {
    if (const std::string p = token_grid_problem(grid); !p.empty()) throw InvalidArgument(name + ": " + p);
    std::vector<unsigned char> out;
    out.reserve(kTokenFileHeaderBytes + 2 * grid.indices.size() + kCrcBytes);
    put_header(out, grid, 1);
    for (const std::uint16_t index : grid.indices) {
        out.push_back(static_cast<unsigned char>(index));
        out.push_back(static_cast<unsigned char>(index >> 8));
    }
    put_u32(out, crc32(out.data(), out.size()));
    return out;
}

std::vector<unsigned char> encode_token_file(const TokenGrid& grid, const TokenPrior& prior, int label,
                                             const std::string& name) {
    if (const std::string p = token_grid_problem(grid); !p.empty()) throw InvalidArgument(name + ": " + p);
    require_prior_fits(grid, prior, label, name);
    const std::vector<unsigned char> coded = detail::prior_encode(grid, prior, label);
    std::vector<unsigned char> out;
    put_header(out, grid, 2);
    for (const std::uint32_t v : {1u, std::uint32_t(label), prior.checksum(), std::uint32_t(coded.size())}) put_u32(out, v);
    out.insert(out.end(), coded.begin(), coded.end());
    put_u32(out, crc32(out.data(), out.size()));
    return out;
}

int cheapest_label(const TokenGrid& grid, const TokenPrior& prior) {
    int best = 0;
    double best_bits = prior.bits(grid, 0);
    for (int label = 1; label < prior.classes(); ++label) {
        if (const double b = prior.bits(grid, label); b < best_bits) {
            best = label;
            best_bits = b;
        }
    }
    return best;
}

TokenFileHeader read_token_file_header(const std::vector<unsigned char>& bytes, const std::string& name) {
    TokenFileHeader h;
    (void)parse(bytes, name, h);
    return h;
}

TokenGrid decode_token_file(const std::vector<unsigned char>& bytes, const std::string& name, const TokenPrior* prior) {
    TokenFileHeader h;
    const Payload payload = parse(bytes, name, h);
    TokenGrid grid = std::move(h.shape);
    if (h.coding == TokenCoding::fixed) {
        const std::size_t count = payload.size / 2;
        grid.indices.resize(count);
        const unsigned char* p = payload.data;
        for (std::size_t i = 0; i < count; ++i) grid.indices[i] = std::uint16_t(p[2 * i] | p[2 * i + 1] << 8);
    } else {
        if (prior == nullptr) throw IoError(name + ": coded with a token prior; decoding it needs the model that wrote it");
        if (prior->checksum() != h.prior_checksum || prior->codes() != grid.num_codes || h.label >= prior->classes()) {
            throw IoError(name + ": coded with another token prior than the model's (checksum, K or classes differ)");
        }
        detail::prior_decode(payload.data, payload.size, *prior, h.label, grid, name);
    }
    if (const std::string problem = indices_problem(grid); !problem.empty()) throw IoError(name + ": " + problem);
    return grid;
}

void write_token_file(const TokenGrid& grid, const std::filesystem::path& path, const TokenPrior* prior, int label) {
    write_file_atomically(path, prior ? encode_token_file(grid, *prior, label, path.string())
                                      : encode_token_file(grid, path.string()));
}

TokenGrid read_token_file(const std::filesystem::path& path, const TokenPrior* prior) {
    // A coded file is never larger than its fixed-width form by more than the coder's few bytes.
    constexpr std::uint64_t max_bytes = kCodedTokenFileHeaderBytes + 4 * kMaxTokens + kCrcBytes;
    return decode_token_file(read_file_bytes(path, max_bytes), path.string(), prior);
}

int bits_per_index(int num_codes) {
    require(num_codes >= 2, "codebook size", "K must be at least 2, got " + std::to_string(num_codes));
    return std::bit_width(unsigned(num_codes - 1));
}

double bits_per_pixel(const TokenGrid& grid) {
    require(grid.image_height > 0 && grid.image_width > 0 && grid.patch_size > 0, "token grid",
            "image size and patch size must be > 0");
    const double tokens = double(grid.rows()) * grid.cols();
    return tokens * bits_per_index(grid.num_codes) / (double(grid.image_height) * grid.image_width);
}

}  // namespace lidecm
