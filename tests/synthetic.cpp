#include "synthetic.hpp"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>

namespace lidecm::test {

Image constant(int h, int w, int c, float value) { return Image(h, w, c, value); }

Image stripes(int h, int w, int c, int period, float lo, float hi) {
    Image img(h, w, c);
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x)
            for (int k = 0; k < c; ++k) img.at(y, x, k) = (x / period) % 2 ? hi : lo;
    return img;
}

Image checkerboard(int h, int w, int c, int cell, float lo, float hi) {
    Image img(h, w, c);
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x)
            for (int k = 0; k < c; ++k) img.at(y, x, k) = ((x / cell) + (y / cell)) % 2 ? hi : lo;
    return img;
}

Image gradient(int h, int w, int c) {
    Image img(h, w, c);
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x)
            for (int k = 0; k < c; ++k) img.at(y, x, k) = 0.1f + 0.8f * float(x) / float(std::max(1, w - 1)) * (1.0f - 0.1f * k);
    return img;
}

Image textured(int h, int w, int c) {
    const double two_pi = 6.283185307179586;
    Image img(h, w, c);
    for (int y = 0; y < h; ++y) {
        for (int x = 0; x < w; ++x) {
            const double ramp = 0.35 + 0.3 * x / std::max(1, w - 1);
            const double texture =
                0.12 * std::sin(two_pi * (x / 3.1 + y / 2.7)) + 0.08 * std::sin(two_pi * (x / 2.3 - y / 4.7));
            const double steps = (x > w / 3 ? 0.1 : 0.0) + (y > 2 * h / 3 ? -0.1 : 0.0);
            for (int k = 0; k < c; ++k) img.at(y, x, k) = float(ramp + (1.0 - 0.2 * k) * texture + steps);
        }
    }
    return img;
}

Image noise_texture(int h, int w, int c, std::uint64_t seed, float lo, float hi) {
    Image img(h, w, c);
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<float> u(lo, hi);
    for (float& v : img.data) v = u(rng);
    return img;
}

Image colour_blobs(int h, int w) {
    Image img(h, w, 3, 0.5f);
    const float centers[3][2] = {{0.3f, 0.3f}, {0.7f, 0.4f}, {0.5f, 0.75f}};
    for (int b = 0; b < 3; ++b) {
        const float cy = centers[b][0] * h, cx = centers[b][1] * w, r = 0.18f * std::min(h, w);
        for (int y = 0; y < h; ++y)
            for (int x = 0; x < w; ++x)
                if (std::hypot(y - cy, x - cx) < r)
                    for (int k = 0; k < 3; ++k) img.at(y, x, k) = k == b ? 0.95f : 0.05f;
    }
    return img;
}

std::vector<unsigned char> read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_two_class_folder(const std::string& dir, int per_class, int size) {
    namespace fs = std::filesystem;
    fs::create_directories(fs::path(dir) / "smooth");
    fs::create_directories(fs::path(dir) / "texture");
    for (int i = 0; i < per_class; ++i) {
        Image smooth = gradient(size, size + 3 * i, 3);
        if (i % 2 == 1) smooth = flip_horizontal(smooth);
        // std::format-free names: GCC 12 warns falsely (-Wrestrict) on "s" + to_string(i).
        const std::string file = std::to_string(i) + ".png";
        save_image(smooth, (fs::path(dir) / "smooth" / file).string());
        save_image(noise_texture(size, size, 3, std::uint64_t(100 + i), 0.1f, 0.9f),
                   (fs::path(dir) / "texture" / file).string());
    }
}

std::size_t count_of(const std::string& text, const std::string& what) {
    std::size_t n = 0;
    for (std::size_t p = text.find(what); p != std::string::npos; p = text.find(what, p + 1)) ++n;
    return n;
}

}  // namespace lidecm::test
