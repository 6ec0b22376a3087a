// Tensor files: round trips of every dtype, the safetensors layout, and every
// kind of damaged or hand-crafted bad file.
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bit>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>

#include <gtest/gtest.h>

#include "lidecm/core/checksum.hpp"
#include "lidecm/core/error.hpp"
#include "lidecm/formats/tensor_file.hpp"
#include "synthetic.hpp"
#include "temp_folder.hpp"

namespace lidecm {
namespace {
namespace fs = std::filesystem;
using Bytes = std::vector<unsigned char>;

const std::string kName = "model.lidecm";

TensorFile parse(Bytes bytes, const TensorFileLimits& limits = {}) {
    return parse_tensor_file(std::move(bytes), kName, limits);
}

// The IoError message parse() throws ("" if it throws nothing, "other" for any other exception).
std::string parse_error(Bytes bytes, const TensorFileLimits& limits = {}) {
    try {
        (void)parse(std::move(bytes), limits);
    } catch (const IoError& e) {
        return e.what();
    } catch (...) {
        return "other";
    }
    return "";
}

template <class T>
bool bit_equal(const std::vector<T>& a, const std::vector<T>& b) {
    return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0);
}

std::uint64_t header_length(const Bytes& file) {
    std::uint64_t n = 0;
    for (int i = 7; i >= 0; --i) n = (n << 8) | file[std::size_t(i)];
    return n;
}

std::string hex(std::uint32_t v) {
    char text[9];
    std::snprintf(text, sizeof text, "%08x", v);
    return text;
}

// Length prefix + header + data. (Built in a string: GCC 12 misreports
// vector::insert after an 8-byte vector with -Warray-bounds.)
Bytes assemble(const std::string& header, const Bytes& data) {
    std::string out(8, '\0');
    for (std::size_t i = 0; i < 8; ++i) out[i] = static_cast<char>(std::uint64_t(header.size()) >> (8 * i));
    out += header;
    out.append(data.begin(), data.end());
    return Bytes(out.begin(), out.end());
}

// A file from a hand-written header: `tensors` is the JSON of the tensor
// entries (with a trailing comma), metadata is lidecm's with a correct checksum
// unless given.
Bytes craft(const std::string& tensors, const Bytes& data, const std::string& version = "1",
            const std::string& format = "lidecm", const std::string* checksum = nullptr) {
    const std::string sum = checksum ? *checksum : hex(crc32(data.data(), data.size()));
    const std::string header = "{" + tensors + R"("__metadata__":{"format":")" + format +
                               R"(","format_version":")" + version + R"(","checksum":")" + sum + "\"}}";
    return assemble(header, data);
}

TensorFileWriter sample_writer() {
    TensorFileWriter w;
    w.add<std::uint8_t>("bytes", {1, 2, 3, 4, 5});
    w.add<float>("codebook", {0.5f, -1.5f, 2.25f, 1e-30f, -0.0f, 3.0f}, {2, 3});
    w.add<std::int64_t>("counters", {7, -9});
    w.set_metadata("config", R"({"K": 512})");
    return w;
}

TEST(TensorFile, RoundTripsEveryDtypeBitExact) {
    const float fnan = std::bit_cast<float>(0x7fc00001u);
    const std::vector<float> f32 = {0.0f, -0.0f, 1.0f / 3.0f, std::numeric_limits<float>::denorm_min(),
                                    std::numeric_limits<float>::max(), -std::numeric_limits<float>::infinity(), fnan};
    const std::vector<double> f64 = {0.1, -0.0, std::numeric_limits<double>::lowest(),
                                     std::numeric_limits<double>::denorm_min(),
                                     std::numeric_limits<double>::infinity()};
    const std::vector<std::int32_t> i32 = {std::numeric_limits<std::int32_t>::min(), -1, 0, 1,
                                           std::numeric_limits<std::int32_t>::max()};
    const std::vector<std::int64_t> i64 = {std::numeric_limits<std::int64_t>::min(), -1,
                                           std::numeric_limits<std::int64_t>::max()};
    const std::vector<std::uint8_t> u8 = {0, 1, 127, 128, 255};
    const std::vector<std::uint16_t> u16 = {0, 1, 0x8000, 0xffff};
    const std::vector<std::uint32_t> u32 = {0, 0xdeadbeef, 0xffffffff};
    const std::vector<std::uint64_t> u64 = {0, 0x0123456789abcdefull, std::numeric_limits<std::uint64_t>::max()};
    TensorFileWriter w;
    w.add("f32", f32);
    w.add("f64", f64);
    w.add("i32", i32);
    w.add("i64", i64);
    w.add("u8", u8);
    w.add("u16", u16);
    w.add("u32", u32);
    w.add("u64", u64);
    const TensorFile f = parse(w.serialize());
    EXPECT_TRUE(bit_equal(f.get<float>("f32"), f32));
    EXPECT_TRUE(bit_equal(f.get<double>("f64"), f64));
    EXPECT_TRUE(bit_equal(f.get<std::int32_t>("i32"), i32));
    EXPECT_TRUE(bit_equal(f.get<std::int64_t>("i64"), i64));
    EXPECT_TRUE(bit_equal(f.get<std::uint8_t>("u8"), u8));
    EXPECT_TRUE(bit_equal(f.get<std::uint16_t>("u16"), u16));
    EXPECT_TRUE(bit_equal(f.get<std::uint32_t>("u32"), u32));
    EXPECT_TRUE(bit_equal(f.get<std::uint64_t>("u64"), u64));
    EXPECT_EQ(f.info("u16").dtype, DType::U16);
    EXPECT_EQ(f.info("u16").shape, Shape{4});
    EXPECT_EQ(f.names().size(), 8u);
}

TEST(TensorFile, KeepsShapesAndChecksThem) {
    const TensorFile f = parse(sample_writer().serialize());
    EXPECT_EQ(f.info("codebook").shape, (Shape{2, 3}));
    EXPECT_EQ(f.get<float>("codebook", {2, 3}).size(), 6u);
    EXPECT_EQ(f.get<float>("codebook", {2, 3})[2], 2.25f);
    try {
        (void)f.get<float>("codebook", {3, 2});
        FAIL() << "wrong shape accepted";
    } catch (const IoError& e) {
        EXPECT_STREQ(e.what(), "model.lidecm: tensor 'codebook' has shape [2, 3], expected [3, 2]");
    }
}

TEST(TensorFile, MissingTensorsWrongDtypesAndMissingKeysAreClearErrors) {
    const TensorFile f = parse(sample_writer().serialize());
    EXPECT_TRUE(f.has("codebook"));
    EXPECT_FALSE(f.has("history"));
    try {
        (void)f.get<float>("history");
        FAIL();
    } catch (const IoError& e) {
        EXPECT_STREQ(e.what(), "model.lidecm: no tensor 'history'");
    }
    try {
        (void)f.get<double>("codebook");
        FAIL();
    } catch (const IoError& e) {
        EXPECT_STREQ(e.what(), "model.lidecm: tensor 'codebook' is F32, expected F64");
    }
    try {
        (void)f.metadata("seed");
        FAIL();
    } catch (const IoError& e) {
        EXPECT_STREQ(e.what(), "model.lidecm: no metadata 'seed'");
    }
    EXPECT_THROW((void)f.metadata_int("config"), IoError);
}

TEST(TensorFile, MetadataRoundTripsWithLidecmKeys) {
    TensorFileWriter w = sample_writer();
    w.set_metadata("note", "h\xc3\xa9llo \xe2\x9c\x93 \"quoted\"\n");
    w.set_metadata("empty", "");
    w.set_metadata("epoch", "12");
    w.set_metadata("epoch", "13");  // set replaces
    const TensorFile f = parse(w.serialize());
    EXPECT_EQ(f.metadata("note"), "h\xc3\xa9llo \xe2\x9c\x93 \"quoted\"\n");
    EXPECT_EQ(f.metadata("empty"), "");
    EXPECT_EQ(f.metadata_int("epoch"), 13);
    EXPECT_EQ(f.metadata("config"), R"({"K": 512})");
    EXPECT_EQ(f.metadata("format"), "lidecm");
    EXPECT_EQ(f.metadata_int("format_version"), kTensorFormatVersion);
    EXPECT_EQ(f.metadata("checksum").size(), 8u);
    EXPECT_EQ(f.all_metadata().size(), 7u);
}

TEST(TensorFile, EmptyAndScalarTensorsAreAllowed) {
    TensorFileWriter w;
    w.add("empty", std::vector<float>{}, {0});
    w.add("empty2d", std::vector<double>{}, {3, 0});
    w.add<std::int64_t>("scalar", {42}, {});
    const TensorFile f = parse(w.serialize());
    EXPECT_TRUE(f.get<float>("empty").empty());
    EXPECT_EQ(f.info("empty2d").shape, (Shape{3, 0}));
    EXPECT_EQ(f.get<std::int64_t>("scalar", {}), std::vector<std::int64_t>{42});

    const TensorFile none = parse(TensorFileWriter().serialize());  // no tensors: an empty data buffer
    EXPECT_TRUE(none.names().empty());
}

TEST(TensorFile, HeaderIsPaddedTo8AndTensorsAreAligned) {
    for (int name_length = 1; name_length <= 16; ++name_length) {
        TensorFileWriter w;
        w.add<std::uint8_t>("odd", {1, 2, 3});  // added first, but smaller elements go last
        w.add<std::uint16_t>("half", {4});
        w.add<double>(std::string(std::size_t(name_length), 'd'), {1.0, 2.0});
        const Bytes file = w.serialize();
        const std::uint64_t n = header_length(file);
        EXPECT_EQ(n % 8, 0u);
        EXPECT_EQ(file[8 + n - 1] == ' ' || file[8 + n - 1] == '}', true);
        const TensorFile f = parse(file);
        for (const std::string& t : f.names()) EXPECT_EQ(f.info(t).begin % dtype_size(f.info(t).dtype), 0u) << t;
        EXPECT_EQ(f.names().back(), "odd");
        EXPECT_EQ(f.info("odd").end, file.size() - 8 - n);
    }
}

TEST(TensorFile, WriterRefusesBadTensorsAndKeys) {
    TensorFileWriter w;
    w.add<float>("a", {1.0f});
    EXPECT_THROW(w.add<float>("a", {2.0f}), InvalidArgument);
    EXPECT_THROW(w.add<double>("a", {2.0}), InvalidArgument);
    EXPECT_THROW(w.add<float>("", {1.0f}), InvalidArgument);
    EXPECT_THROW(w.add<float>("__metadata__", {1.0f}), InvalidArgument);
    EXPECT_THROW(w.add<float>("b", {1.0f, 2.0f}, {3}), InvalidArgument);
    EXPECT_THROW(w.add<float>("b", {1.0f, 2.0f}, {-1, -2}), InvalidArgument);
    EXPECT_THROW(w.add("b", std::vector<float>{}, {std::int64_t(1) << 62, 8, 0, -1}), InvalidArgument);
    EXPECT_THROW(w.add<float>("b", {1.0f}, {std::int64_t(1) << 62, std::int64_t(1) << 62}), InvalidArgument);
    EXPECT_THROW(w.add<float>("bad\xff", {1.0f}), InvalidArgument);
    EXPECT_THROW(w.set_metadata("checksum", "00000000"), InvalidArgument);
    EXPECT_THROW(w.set_metadata("format", "x"), InvalidArgument);
    EXPECT_THROW(w.set_metadata("format_version", "2"), InvalidArgument);
    EXPECT_THROW(w.set_metadata("x", "\xc3"), InvalidArgument);
    try {
        w.add<float>("a", {2.0f});
    } catch (const InvalidArgument& e) {
        EXPECT_STREQ(e.what(), "tensor file: duplicate tensor name 'a'");
    }
    EXPECT_EQ(parse(w.serialize()).names(), std::vector<std::string>{"a"});  // failed adds left nothing
}

TEST(TensorFile, EveryTruncationIsRefused) {
    const Bytes file = sample_writer().serialize();
    for (std::size_t cut = 0; cut < file.size(); ++cut) {
        const std::string error = parse_error(Bytes(file.begin(), file.begin() + std::ptrdiff_t(cut)));
        EXPECT_EQ(error.rfind(kName + ": ", 0), 0u) << "cut at " << cut << ": '" << error << "'";
    }
    EXPECT_EQ(parse_error(Bytes(file.begin(), file.begin() + 5)),
              "model.lidecm: too short to be a lidecm file (5 bytes, the header length alone takes 8)");
    const std::string cut_data = parse_error(Bytes(file.begin(), file.end() - 1));
    EXPECT_NE(cut_data.find("past the end of the data"), std::string::npos) << cut_data;
}

TEST(TensorFile, ExtraBytesAtTheEndAreRefused) {
    Bytes file = sample_writer().serialize();
    file.push_back(0);
    EXPECT_EQ(parse_error(file), "model.lidecm: 1 bytes after the last tensor (trailing data)");
}

TEST(TensorFile, AnyFlippedDataByteFailsTheChecksum) {
    const Bytes file = sample_writer().serialize();
    const std::size_t start = 8 + header_length(file);
    for (std::size_t i = start; i < file.size(); ++i) {
        Bytes bad = file;
        bad[i] ^= 0x10;
        EXPECT_EQ(parse_error(bad), "model.lidecm: checksum mismatch (file altered or corrupt)") << "byte " << i;
    }
}

TEST(TensorFile, FlippedHeaderBytesGiveClearErrorsNeverCrashes) {
    const Bytes file = sample_writer().serialize();
    const std::size_t end = 8 + header_length(file);
    int refused = 0;
    for (std::size_t i = 0; i < end; ++i) {
        for (const unsigned char mask : {0x01, 0x20, 0x80}) {
            Bytes bad = file;
            bad[i] ^= mask;
            const std::string error = parse_error(bad);
            if (error.empty()) continue;  // e.g. a changed letter in a name or a metadata value
            ++refused;
            EXPECT_EQ(error.rfind(kName + ": ", 0), 0u) << "byte " << i << ": " << error;
            EXPECT_EQ(error.find('\n'), std::string::npos) << error;
        }
    }
    EXPECT_GT(refused, int(end));  // most flips break something the reader checks
}

TEST(TensorFile, HugeHeaderLengthIsRefusedBeforeAllocating) {
    Bytes file = sample_writer().serialize();
    file[5] = 0x01;  // 2^40 + the real length
    const std::string error = parse_error(file);
    EXPECT_NE(error.find("is over the limit of 16777216 bytes"), std::string::npos) << error;

    Bytes past = sample_writer().serialize();
    past[0] = 0xff;
    past[1] = 0x7f;  // 32767: within the limit, beyond the file
    EXPECT_NE(parse_error(past).find("runs past the end of the file"), std::string::npos);

    TensorFileLimits small;
    small.max_header_bytes = 64;
    EXPECT_NE(parse_error(sample_writer().serialize(), small).find("over the limit of 64 bytes"), std::string::npos);
}

TEST(TensorFile, CraftedHeaderWithCorrectChecksumIsAccepted) {
    const Bytes data = {1, 2, 3, 4, 5, 6};
    const TensorFile f = parse(craft(R"("a":{"dtype":"U8","shape":[2],"data_offsets":[4,6]},)"
                                     R"("b":{"dtype":"U16","shape":[2],"data_offsets":[0,4]},)",
                                     data));
    EXPECT_EQ(f.get<std::uint8_t>("a"), (std::vector<std::uint8_t>{5, 6}));
    EXPECT_EQ(f.get<std::uint16_t>("b"), (std::vector<std::uint16_t>{0x0201, 0x0403}));
    EXPECT_EQ(f.names(), (std::vector<std::string>{"b", "a"}));
}

TEST(TensorFile, OffsetsMustTileTheDataBuffer) {
    const Bytes data = {1, 2, 3, 4, 5, 6};
    EXPECT_EQ(parse_error(craft(R"("a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},)"
                                R"("b":{"dtype":"U8","shape":[4],"data_offsets":[2,6]},)",
                                data)),
              "model.lidecm: tensor 'b' overlaps tensor 'a' (starts at byte 2, before 4)");
    EXPECT_EQ(parse_error(craft(R"("a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},)"
                                R"("b":{"dtype":"U8","shape":[2],"data_offsets":[4,6]},)",
                                data)),
              "model.lidecm: tensor 'b' starts at byte 4 but the data before it ends at 2 (gap)");
    EXPECT_EQ(parse_error(craft(R"("a":{"dtype":"U8","shape":[2],"data_offsets":[2,4]},)", data)),
              "model.lidecm: tensor 'a' starts at byte 2 but the data before it ends at 0 (gap)");
    EXPECT_EQ(parse_error(craft(R"("a":{"dtype":"U8","shape":[8],"data_offsets":[0,8]},)", data)),
              "model.lidecm: tensor 'a' ends at byte 8, past the end of the data (6 bytes): file truncated or corrupt");
    EXPECT_EQ(parse_error(craft(R"("a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},)", data)),
              "model.lidecm: 2 bytes after the last tensor (trailing data)");
    EXPECT_EQ(parse_error(craft(R"("a":{"dtype":"U8","shape":[0],"data_offsets":[6,0]},)", data)),
              "model.lidecm: tensor 'a': data_offsets [6, 0] end before they begin");
    EXPECT_EQ(parse_error(craft(R"("a":{"dtype":"F32","shape":[2],"data_offsets":[0,6]},)", data)),
              "model.lidecm: tensor 'a': data_offsets span 6 bytes but F32 [2] needs 8");
    EXPECT_EQ(parse_error(craft(R"("a":{"dtype":"U8","shape":[6],"data_offsets":[0,6]},)"
                                R"("e":{"dtype":"U8","shape":[0],"data_offsets":[3,3]},)",
                                data)),
              "model.lidecm: tensor 'e' overlaps tensor 'a' (starts at byte 3, before 6)");
}

TEST(TensorFile, MalformedHeadersAreClearErrors) {
    const Bytes data = {1, 2};
    const auto error_for = [&](const std::string& tensors) { return parse_error(craft(tensors, data)); };
    const auto contains = [](const std::string& text, const std::string& part) {
        return text.find(part) != std::string::npos;
    };
    EXPECT_EQ(error_for(R"("a":{"dtype":"BF16","shape":[1],"data_offsets":[0,2]},)"),
              "model.lidecm: tensor 'a': unknown dtype 'BF16'");
    EXPECT_EQ(error_for(R"("a":{"dtype":"U8","shape":[4294967296,4294967296,2],"data_offsets":[0,2]},)"),
              "model.lidecm: tensor 'a': shape [4294967296, 4294967296, 2] overflows 64 bits");
    EXPECT_EQ(error_for(R"("a":{"dtype":"F64","shape":[4611686018427387904],"data_offsets":[0,2]},)"),
              "model.lidecm: tensor 'a': shape [4611686018427387904] overflows 64 bits");
    EXPECT_TRUE(contains(error_for(R"("a":{"dtype":"U8","shape":[-2],"data_offsets":[0,2]},)"), "not an integer"));
    EXPECT_TRUE(contains(error_for(R"("a":{"dtype":"U8","shape":[2.0],"data_offsets":[0,2]},)"), "not an integer"));
    EXPECT_TRUE(contains(error_for(R"("a":{"dtype":"U8","shape":2,"data_offsets":[0,2]},)"), "shape is not an array"));
    EXPECT_TRUE(contains(error_for(R"("a":{"dtype":"U8","shape":[2],"data_offsets":[0,1,2]},)"), "not an array of 2"));
    EXPECT_TRUE(contains(error_for(R"("a":{"dtype":"U8","shape":[2]},)"), "data_offsets missing"));
    EXPECT_TRUE(contains(error_for(R"("a":{"shape":[2],"data_offsets":[0,2]},)"), "dtype missing"));
    EXPECT_TRUE(contains(error_for(R"("a":{"dtype":8,"shape":[2],"data_offsets":[0,2]},)"), "dtype missing"));
    EXPECT_TRUE(contains(error_for(R"("a":{"dtype":"U8","shape":[2],"data_offsets":[0,2],"x":1},)"),
                         "unexpected header field 'x'"));
    EXPECT_TRUE(contains(error_for(R"("a":[1,2],)"), "header entry is not an object"));
    EXPECT_TRUE(contains(error_for(R"("a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]})"), "not valid JSON"));

    const auto raw = [&](const std::string& header) { return parse_error(assemble(header, {})); };
    EXPECT_EQ(raw("[1, 2]  "), "model.lidecm: header is not a JSON object");
    EXPECT_TRUE(contains(raw(""), "not valid JSON"));
    EXPECT_TRUE(contains(raw("{\"a\xff\":1}"), "not valid JSON"));
    EXPECT_EQ(raw(R"({"__metadata__":{"format":"lidecm","format_version":1}})"),
              "model.lidecm: metadata 'format_version' is not a string");
    EXPECT_EQ(raw(R"({"__metadata__":[]})"), "model.lidecm: header field __metadata__ is not an object");
}

TEST(TensorFile, FormatVersionAndChecksumAreChecked) {
    const Bytes data = {9, 9};
    const std::string t = R"("a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},)";
    EXPECT_EQ(parse_error(craft(t, data, "2")), "model.lidecm: format version 2 is newer than this lidecm (1)");
    EXPECT_EQ(parse_error(craft(t, data, "0")), "model.lidecm: unsupported format version '0'");
    EXPECT_EQ(parse_error(craft(t, data, "1.0")), "model.lidecm: unsupported format version '1.0'");
    EXPECT_EQ(parse_error(craft(t, data, "1", "pt")), "model.lidecm: not a lidecm file (format is 'pt')");
    const std::string upper = "ABCDEF12";
    EXPECT_EQ(parse_error(craft(t, data, "1", "lidecm", &upper)),
              "model.lidecm: checksum 'ABCDEF12' is not 8 lowercase hex digits");
    const std::string wrong = "00000000";
    EXPECT_EQ(parse_error(craft(t, data, "1", "lidecm", &wrong)),
              "model.lidecm: checksum mismatch (file altered or corrupt)");

    const std::string plain = R"({"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]}})";  // plain safetensors
    EXPECT_EQ(parse_error(assemble(plain, data)), "model.lidecm: not a lidecm file (no format in the header metadata)");
}

class TensorFileOnDisk : public test::TempFolderTest {
protected:
    TensorFileOnDisk() : TempFolderTest("tensor_file") {}
    std::vector<std::string> listing() const {
        std::vector<std::string> names;
        for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
        std::sort(names.begin(), names.end());
        return names;
    }
};

TEST_F(TensorFileOnDisk, WritesAndReadsAndReplacesAtomically) {
    sample_writer().write(path("m.lidecm"));
    TensorFileWriter second;
    second.add<double>("x", {1.5});
    second.write(path("m.lidecm"));
    const TensorFile f = read_tensor_file(path("m.lidecm"));
    EXPECT_EQ(f.name(), path("m.lidecm"));
    EXPECT_EQ(f.get<double>("x"), std::vector<double>{1.5});
    EXPECT_EQ(test::read_file(path("m.lidecm")), second.serialize());
    EXPECT_EQ(listing(), std::vector<std::string>{"m.lidecm"});
}

TEST_F(TensorFileOnDisk, UnreadableFilesNameThePathAndReason) {
    try {
        (void)read_tensor_file(path("missing.lidecm"));
        FAIL();
    } catch (const IoError& e) {
        EXPECT_EQ(std::string(e.what()), path("missing.lidecm") + ": cannot open (No such file or directory)");
    }
    EXPECT_THROW((void)read_tensor_file(dir), IoError);
    sample_writer().write(path("m.lidecm"));
    TensorFileLimits limits;
    limits.max_file_bytes = 16;
    try {
        (void)read_tensor_file(path("m.lidecm"), limits);
        FAIL();
    } catch (const IoError& e) {
        EXPECT_NE(std::string(e.what()).find("over the limit of 16"), std::string::npos) << e.what();
    }
    std::ofstream(path("empty.lidecm")).close();
    EXPECT_THROW((void)read_tensor_file(path("empty.lidecm")), IoError);
}

TEST_F(TensorFileOnDisk, UnwritablePathsAreIoErrorsAndLeaveNothing) {
    EXPECT_THROW(sample_writer().write(path("no/such/folder/m.lidecm")), IoError);
    fs::create_directory(path("taken"));  // a folder where the file should go: rename fails
    try {
        sample_writer().write(path("taken"));
        FAIL();
    } catch (const IoError& e) {
        EXPECT_EQ(std::string(e.what()).rfind(path("taken") + ": ", 0), 0u) << e.what();
    }
    EXPECT_EQ(listing(), std::vector<std::string>{"taken"});
    if (::geteuid() != 0) {  // root ignores permission bits
        fs::create_directory(path("ro"));
        fs::permissions(path("ro"), fs::perms::owner_read | fs::perms::owner_exec);
        EXPECT_THROW(sample_writer().write(path("ro/m.lidecm")), IoError);
        fs::permissions(path("ro"), fs::perms::owner_all);
    }
}

// Disk full, simulated with a file-size limit in a child process: with SIGXFSZ
// ignored, write() fails with EFBIG as it would with ENOSPC.
TEST_F(TensorFileOnDisk, DiskFullKeepsThePreviousFile) {
    sample_writer().write(path("m.lidecm"));
    const Bytes before = test::read_file(path("m.lidecm"));
    TensorFileWriter big;
    big.add("values", std::vector<float>(1 << 16, 0.25f));

    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        ::close(fds[0]);
        ::signal(SIGXFSZ, SIG_IGN);
        const rlimit limit{4096, 4096};
        ::setrlimit(RLIMIT_FSIZE, &limit);
        std::string message = "no error";
        try {
            big.write(path("m.lidecm"));
        } catch (const IoError& e) {
            message = e.what();
        } catch (...) {
            message = "an exception other than IoError";
        }
        const bool sent = ::write(fds[1], message.data(), message.size()) == ssize_t(message.size());
        ::_exit(sent ? 0 : 1);
    }
    ::close(fds[1]);
    std::string message;
    char buffer[512];
    for (ssize_t n; (n = ::read(fds[0], buffer, sizeof buffer)) > 0;) message.append(buffer, std::size_t(n));
    ::close(fds[0]);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);

    EXPECT_EQ(message.rfind(path("m.lidecm") + ": ", 0), 0u) << message;
    EXPECT_NE(message.find("write failed"), std::string::npos) << message;
    EXPECT_EQ(test::read_file(path("m.lidecm")), before);
    EXPECT_EQ(listing(), std::vector<std::string>{"m.lidecm"});  // no temporary file left behind
    EXPECT_NO_THROW((void)read_tensor_file(path("m.lidecm")));
}

}  // namespace
}  // namespace lidecm
