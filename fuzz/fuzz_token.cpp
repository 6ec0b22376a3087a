// Token files from bytes: the input as a whole file (header, sizes, CRC; a coded file made
// with fuzz_prior() reaches the range decoder), and the input as the range-coded payload of
// a well-formed coded file, sealed with the right checksums here, so that every mutation
// reaches the decoder instead of stopping at the CRC.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "lidecm/core/checksum.hpp"
#include "lidecm/core/error.hpp"
#include "lidecm/formats/token_file.hpp"
#include "token_fuzz_prior.hpp"

namespace {

void put_u32(std::vector<unsigned char>& b, std::size_t at, std::uint32_t v) {
    for (std::size_t i = 0; i < 4; ++i) b[at + i] = static_cast<unsigned char>(v >> (8 * i));
}

void check(const std::vector<unsigned char>& bytes, const lidecm::TokenPrior& prior) {
    try {
        const lidecm::TokenGrid g = lidecm::decode_token_file(bytes, "fuzz", &prior);
        if (g.indices.size() != std::size_t(g.rows()) * std::size_t(g.cols())) __builtin_trap();
        for (const std::uint16_t t : g.indices) {
            if (t >= g.num_codes) __builtin_trap();
        }
    } catch (const lidecm::Error&) {
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const lidecm::TokenPrior prior = lidecm::fuzz::fuzz_prior();
    static const std::vector<unsigned char> coded = lidecm::fuzz::coded_file(prior);
    check(std::vector<unsigned char>(data, data + size), prior);

    // The input as the payload of the coded file: header kept, payload size and CRC redone.
    std::vector<unsigned char> b(coded.begin(), coded.begin() + lidecm::kCodedTokenFileHeaderBytes);
    put_u32(b, lidecm::kCodedTokenFileHeaderBytes - 4, std::uint32_t(size));
    b.insert(b.end(), data, data + size);
    b.resize(b.size() + 4);
    put_u32(b, b.size() - 4, lidecm::crc32(b.data(), b.size() - 4));
    check(b, prior);
    return 0;
}
