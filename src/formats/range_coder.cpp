#include "formats/range_coder.hpp"

#include "lidecm/core/error.hpp"

namespace lidecm::detail {
namespace {
constexpr std::uint32_t kTop = 1u << 24;
constexpr int kFlushBytes = 5;  // the cache byte and the four of low
}  // namespace

void RangeEncoder::encode(std::uint32_t cumulative, std::uint32_t frequency, std::uint32_t total) {
    const std::uint32_t step = range_ / total;
    low_ += std::uint64_t(step) * cumulative;
    range_ = step * frequency;
    while (range_ < kTop) {
        range_ <<= 8;
        shift_low();
    }
}

// A byte leaves low only once no carry can reach it; a run of 0xFF bytes waits in
// cache_size_ because a carry would turn all of them to 0x00 and bump the byte before.
void RangeEncoder::shift_low() {
    if (std::uint32_t(low_) < 0xFF000000u || (low_ >> 32) != 0) {
        const auto carry = static_cast<unsigned char>(low_ >> 32);
        unsigned char pending = cache_;
        do {
            out_.push_back(static_cast<unsigned char>(pending + carry));
            pending = 0xFF;
        } while (--cache_size_ != 0);
        cache_ = static_cast<unsigned char>(std::uint32_t(low_) >> 24);
    }
    ++cache_size_;
    low_ = (low_ & 0x00FFFFFFu) << 8;
}

std::vector<unsigned char> RangeEncoder::finish() {
    for (int i = 0; i < kFlushBytes; ++i) shift_low();
    return std::move(out_);
}

RangeDecoder::RangeDecoder(const unsigned char* data, std::size_t size, std::string name)
    : data_(data), size_(size), name_(std::move(name)) {
    for (int i = 0; i < kFlushBytes; ++i) code_ = (code_ << 8) | next();
}

unsigned char RangeDecoder::next() {
    if (pos_ >= size_) throw IoError(name_ + ": coded tokens end early (truncated or corrupt)");
    return data_[pos_++];
}

std::uint32_t RangeDecoder::target(std::uint32_t total) {
    step_ = range_ / total;
    const std::uint32_t t = code_ / step_;
    // The encoder only ever leaves code inside [0, step·total): beyond it the bytes are not its.
    if (t >= total) throw IoError(name_ + ": coded tokens are corrupt");
    return t;
}

void RangeDecoder::consume(std::uint32_t cumulative, std::uint32_t frequency) {
    code_ -= step_ * cumulative;
    range_ = step_ * frequency;
    while (range_ < kTop) {
        code_ = (code_ << 8) | next();
        range_ <<= 8;
    }
}

void RangeDecoder::expect_end() const {
    if (pos_ != size_) {
        throw IoError(name_ + ": " + std::to_string(size_ - pos_) + " unexpected bytes after the coded tokens");
    }
}

}  // namespace lidecm::detail
