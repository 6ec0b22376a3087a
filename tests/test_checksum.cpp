#include <gtest/gtest.h>

#include <string>

#include "lidecm/core/checksum.hpp"

namespace {

TEST(Checksum, MatchesTheStandardCheckValue) {
    // The CRC-32 check value of "123456789" (every CRC-32 implementation agrees on it).
    const std::string text = "123456789";
    EXPECT_EQ(lidecm::crc32(text.data(), text.size()), 0xCBF43926u);
}

TEST(Checksum, ContinuesAcrossPieces) {
    const std::string text = "patch graphs and codebooks";
    const auto whole = lidecm::crc32(text.data(), text.size());
    const auto first = lidecm::crc32(text.data(), 10);
    EXPECT_EQ(lidecm::crc32(text.data() + 10, text.size() - 10, first), whole);
    EXPECT_NE(lidecm::crc32(text.data(), text.size() - 1), whole);
}

}  // namespace
