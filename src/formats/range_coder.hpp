#pragma once
// Internal: a range coder (Subbotin/Martin style with LZMA's carry handling) over integer
// frequencies, what `tokenize --entropy` spends the token prior's probabilities with
// (issue #24). 32-bit range renormalised a byte at a time once it falls below 2^24, so a
// symbol's frequency total must stay ≤ kMaxRangeTotal for every symbol to keep a non-empty
// sub-range; the coder then loses well under 0.01 bit per symbol to the rounding of
// range / total.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace lidecm::detail {

inline constexpr std::uint32_t kMaxRangeTotal = 1u << 20;

class RangeEncoder {
public:
    /// Codes the symbol occupying [cumulative, cumulative + frequency) of [0, total):
    /// frequency ≥ 1, cumulative + frequency ≤ total ≤ kMaxRangeTotal (checked by the caller).
    void encode(std::uint32_t cumulative, std::uint32_t frequency, std::uint32_t total);
    /// Flushes the pending bytes and returns everything coded.
    [[nodiscard]] std::vector<unsigned char> finish();

private:
    void shift_low();
    std::uint64_t low_ = 0;
    std::uint32_t range_ = 0xFFFFFFFFu;
    unsigned char cache_ = 0;
    std::uint64_t cache_size_ = 1;
    std::vector<unsigned char> out_;
};

class RangeDecoder {
public:
    /// Reads from [data, data + size); `name` names the file in errors.
    RangeDecoder(const unsigned char* data, std::size_t size, std::string name);
    /// The position in [0, total) the next symbol's interval holds; throws IoError naming
    /// the file when the bytes cannot have come from the encoder.
    [[nodiscard]] std::uint32_t target(std::uint32_t total);
    /// Consumes the symbol target() fell in.
    void consume(std::uint32_t cumulative, std::uint32_t frequency);
    /// Throws IoError unless exactly every byte was read (trailing or missing bytes).
    void expect_end() const;

private:
    unsigned char next();
    const unsigned char* data_;
    std::size_t size_, pos_ = 0;
    std::string name_;
    std::uint32_t code_ = 0, range_ = 0xFFFFFFFFu, step_ = 0;
};

}  // namespace lidecm::detail
