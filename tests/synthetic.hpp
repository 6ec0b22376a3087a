#pragma once
// Synthetic test images made by the tests themselves (no files needed).
#include <cstdint>

#include "lidecm/image/image.hpp"

namespace lidecm::test {

Image constant(int h, int w, int c, float value);
/// Vertical stripes of `period` px alternating between lo and hi.
Image stripes(int h, int w, int c, int period, float lo = 0.2f, float hi = 0.8f);
Image checkerboard(int h, int w, int c, int cell, float lo = 0.1f, float hi = 0.9f);
/// Smooth horizontal ramp 0.1 → 0.9 (each channel shifted a little for RGB).
Image gradient(int h, int w, int c);
/// A picture that fools wavelet noise estimates: a horizontal ramp, two strong fine
/// sinusoidal textures (periods of 2.3 to 4.7 px, across both axes) and two steps;
/// values stay inside [0.05, 0.95]. Channels differ in amplitude for RGB.
Image textured(int h, int w, int c);
/// Uniform noise in [lo, hi] from a seeded generator.
Image noise_texture(int h, int w, int c, std::uint64_t seed, float lo = 0.0f, float hi = 1.0f);
/// Grey background with saturated red, green and blue discs.
Image colour_blobs(int h, int w);
/// Bytes of a file.
std::vector<unsigned char> read_file(const std::string& path);
/// An image folder with classes "smooth" (gradients) and "texture" (noise), per_class PNGs each.
void write_two_class_folder(const std::string& dir, int per_class, int size);
/// How many times `what` occurs in `text` (overlaps counted).
std::size_t count_of(const std::string& text, const std::string& what);

}  // namespace lidecm::test
