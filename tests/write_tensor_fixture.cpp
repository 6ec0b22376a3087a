// Writes the tensor file read_safetensors.py checks: one tensor of every dtype
// with known values (the script holds the same values), an empty tensor, a
// scalar and non-ASCII metadata. Usage: write_tensor_fixture OUT_FILE
#include <cstdint>
#include <exception>
#include <iostream>
#include <limits>

#include "lidecm/formats/tensor_file.hpp"

int main(int argc, char** argv) {
    if (argc != 2) {
        std::cerr << "usage: write_tensor_fixture OUT_FILE\n";
        return 2;
    }
    try {
        lidecm::TensorFileWriter w;
        w.add<std::uint8_t>("e_u8", {0, 1, 127, 128, 255});  // first added, laid out last (smallest elements)
        std::vector<float> f32(6);
        for (std::size_t i = 0; i < f32.size(); ++i) f32[i] = 0.5f * float(i) - 1.0f;
        w.add("a_f32", f32, {2, 3});
        w.add<double>("b_f64", {3.141592653589793, -0.0, 1e300});
        w.add<std::int32_t>("c_i32", {-1, 2, std::numeric_limits<std::int32_t>::min(),
                                      std::numeric_limits<std::int32_t>::max()},
                            {2, 2});
        w.add<std::int64_t>("d_i64", {-(std::int64_t(1) << 62), (std::int64_t(1) << 62) + 1});
        w.add<std::uint16_t>("f_u16", {0, 1, 65535});
        w.add<std::uint32_t>("g_u32", {0, 4294967295u});
        w.add<std::uint64_t>("h_u64", {0, std::numeric_limits<std::uint64_t>::max()});
        w.add("i_empty", std::vector<float>{}, {0});
        w.add<std::int64_t>("j_scalar", {42}, {});
        w.set_metadata("note", "h\xc3\xa9llo \xe2\x9c\x93");
        w.write(argv[1]);
    } catch (const std::exception& e) {
        std::cerr << "write_tensor_fixture: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
