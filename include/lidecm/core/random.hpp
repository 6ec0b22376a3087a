#pragma once
// The one random stream of lidecm: splitmix64 (Steele, Lea & Flood 2014) keyed
// by a list of words, e.g. {seed, salt, epoch, item}, so every draw is a function
// of where it is made rather than of how many draws came before it. The C++
// standard fixes its engines' sequences but not its distributions
// (std::normal_distribution, std::shuffle, ... differ between standard
// libraries), so the draws below are computed here, with IEEE arithmetic only,
// plus std::log and std::sqrt in normal().
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <vector>

namespace lidecm {

class RandomStream {
public:
    /// A stream keyed by `words` (each one is mixed in with a generator step, so
    /// {1, 2} and {2, 1} are different streams).
    RandomStream(std::initializer_list<std::uint64_t> words) {
        for (const std::uint64_t w : words) {
            state_ ^= w;
            (void)next();
        }
    }

    /// The next 64 random bits (splitmix64).
    std::uint64_t next() {
        std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        return z ^ (z >> 31);
    }

    /// Uniform in [0, 1): the top 53 bits of next().
    double uniform() { return unit_interval(next()); }

    /// Uniform in [0, n) without modulo bias; n must be > 0.
    std::size_t below(std::size_t n) {
        const std::uint64_t limit = std::uint64_t(-n) % n;
        std::uint64_t x = next();
        while (x < limit) x = next();
        return std::size_t(x % n);
    }

    /// Standard normal N(0, 1) by Marsaglia's polar method; draws in pairs, the
    /// second of a pair is returned by the next call.
    double normal() {
        if (has_spare_) {
            has_spare_ = false;
            return spare_;
        }
        double u = 0, v = 0, s = 0;
        do {
            u = 2.0 * uniform() - 1.0;
            v = 2.0 * uniform() - 1.0;
            s = u * u + v * v;
        } while (s >= 1.0 || s == 0.0);
        const double f = std::sqrt(-2.0 * std::log(s) / s);
        spare_ = v * f;
        has_spare_ = true;
        return u * f;
    }

    /// 53 random bits as a double in [0, 1): what uniform() does with next().
    static double unit_interval(std::uint64_t bits) { return double(bits >> 11) * 0x1.0p-53; }

private:
    std::uint64_t state_ = 0x6C69646563'6D0000ULL;  // "lidecm"
    double spare_ = 0;
    bool has_spare_ = false;
};

/// Fisher–Yates shuffle drawing from `rng` (the same order on every platform).
template <class T>
void shuffle(std::vector<T>& v, RandomStream& rng) {
    for (std::size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[rng.below(i)]);
}

}  // namespace lidecm
