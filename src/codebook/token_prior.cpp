#include "lidecm/codebook/token_prior.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

#include "lidecm/core/checksum.hpp"
#include "lidecm/core/error.hpp"

namespace lidecm {

void TokenPriorOptions::validate() const {
    require(order >= 0 && order <= 3, "order", "must be in [0, 3]");
    for (const double b : escape) require(std::isfinite(b) && b > 0, "escape", "must be finite numbers > 0");
}

std::uint64_t TokenPrior::key(int level, int label, int left, int up) const {
    // Each field below 2^16 (K ≤ 65535 plus the border token; classes ≤ 65536).
    const int first = up_first_ ? up : left, second = up_first_ ? left : up;
    const std::uint64_t l = level >= 1 ? std::uint64_t(label) : 0;
    const std::uint64_t a = level >= 2 ? std::uint64_t(first) : 0;
    const std::uint64_t b = level >= 3 ? std::uint64_t(second) : 0;
    return (std::uint64_t(level) << 48) | (l << 32) | (a << 16) | b;
}

int TokenPrior::neighbour(const TokenGrid& grid, int y, int x) const {
    if (y < 0 || x < 0) return codes_;  // the border token
    return grid.indices[std::size_t(y) * std::size_t(grid.cols()) + std::size_t(x)];
}

namespace {

void require_grid(const TokenGrid& grid, int codes, const std::string& what) {
    require(grid.num_codes == codes, what, "its tokens come from a codebook of " + std::to_string(grid.num_codes) +
                                               " codes, the prior's has " + std::to_string(codes));
    require(grid.indices.size() == std::size_t(grid.rows()) * std::size_t(grid.cols()), what,
            "holds " + std::to_string(grid.indices.size()) + " tokens for a " + std::to_string(grid.rows()) + "x" +
                std::to_string(grid.cols()) + " grid");
    for (const std::uint16_t t : grid.indices) {
        require(t < codes, what, "token " + std::to_string(t) + " is not below K = " + std::to_string(codes));
    }
}

}  // namespace

TokenPrior TokenPrior::fit(const std::vector<LabelledGrid>& grids, int codes, int classes, const TokenPriorOptions& options) {
    options.validate();
    require(codes >= 1 && codes < 65535, "codes", "must be in [1, 65534]");
    require(classes >= 1 && classes <= 65536, "classes", "must be in [1, 65536]");
    TokenPrior p;
    p.codes_ = codes;
    p.classes_ = classes;
    p.order_ = options.order;
    p.up_first_ = options.up_first;
    p.escape_ = options.escape;
    for (int level = 0; level <= p.order_; ++level) {
        if (level != 1 || classes > 1) p.levels_.push_back(level);
    }
    for (std::size_t i = 0; i < grids.size(); ++i) {
        const std::string what = "training grid " + std::to_string(i);
        require(grids[i].grid != nullptr, what, "is missing");
        require(grids[i].label >= 0 && grids[i].label < classes, what,
                "has class " + std::to_string(grids[i].label) + ", not in [0, " + std::to_string(classes) + ")");
        const TokenGrid& g = *grids[i].grid;
        require_grid(g, codes, what);
        for (int y = 0; y < g.rows(); ++y) {
            for (int x = 0; x < g.cols(); ++x) {
                const int t = p.neighbour(g, y, x);
                for (const int level : p.levels_) {
                    Counts& c = p.contexts_[p.key(level, grids[i].label, p.neighbour(g, y, x - 1), p.neighbour(g, y - 1, x))];
                    ++c.total;
                    ++c.of[std::uint16_t(t)];
                }
            }
        }
    }
    return p;
}

void TokenPrior::distribution(const TokenGrid& grid, int label, int y, int x, std::vector<double>& out) const {
    require(label >= 0 && label < classes_, "class", "must be in [0, " + std::to_string(classes_) + ")");
    out.assign(std::size_t(codes_), 1.0 / double(codes_));
    const int left = neighbour(grid, y, x - 1), up = neighbour(grid, y - 1, x);
    for (const int level : levels_) {
        const auto it = contexts_.find(key(level, label, left, up));
        if (it == contexts_.end()) break;  // a longer context of an unseen one is unseen too
        const Counts& c = it->second;
        const double seen = double(c.total), escape = escape_[std::size_t(level)] * double(c.of.size());
        const double keep = escape / (seen + escape);
        for (double& v : out) v *= keep;
        for (const auto& [t, n] : c.of) out[t] += double(n) / (seen + escape);
    }
}

TokenPriorTables TokenPrior::tables() const {
    TokenPriorTables t;
    t.codes = codes_;
    t.classes = classes_;
    t.order = order_;
    t.up_first = up_first_;
    t.escape = escape_;
    for (const auto& [k, c] : contexts_) t.keys.push_back(k);
    std::sort(t.keys.begin(), t.keys.end());
    t.offsets.push_back(0);
    for (const std::uint64_t k : t.keys) {
        const Counts& c = contexts_.at(k);
        std::vector<std::pair<std::uint16_t, std::uint32_t>> entries(c.of.begin(), c.of.end());
        std::sort(entries.begin(), entries.end());
        for (const auto& [token, n] : entries) {
            t.tokens.push_back(token);
            t.counts.push_back(n);
        }
        t.offsets.push_back(std::uint32_t(t.tokens.size()));
    }
    return t;
}

std::uint32_t TokenPrior::checksum() const {
    const TokenPriorTables t = tables();
    const std::array<double, 8> settings = {double(t.codes), double(t.classes), double(t.order), t.up_first ? 1.0 : 0.0,
                                            t.escape[0], t.escape[1], t.escape[2], t.escape[3]};
    std::uint32_t crc = crc32(settings.data(), sizeof settings);
    crc = crc32(t.keys.data(), t.keys.size() * sizeof t.keys[0], crc);
    crc = crc32(t.offsets.data(), t.offsets.size() * sizeof t.offsets[0], crc);
    crc = crc32(t.tokens.data(), t.tokens.size() * sizeof t.tokens[0], crc);
    return crc32(t.counts.data(), t.counts.size() * sizeof t.counts[0], crc);
}

TokenPrior TokenPrior::from_tables(const TokenPriorTables& t, const std::string& name) {
    TokenPriorOptions o;
    o.order = t.order;
    o.up_first = t.up_first;
    o.escape = t.escape;
    const auto bad = [&](const std::string& what) { return InvalidArgument(name + ": " + what); };
    try {
        o.validate();
    } catch (const InvalidArgument& e) {
        throw bad(std::string("token prior settings: ") + e.what());
    }
    if (t.codes < 1 || t.codes >= 65535 || t.classes < 1 || t.classes > 65536) throw bad("token prior's K or class count out of range");
    if (t.offsets.size() != t.keys.size() + 1 || t.offsets.front() != 0 || t.offsets.back() != t.tokens.size() ||
        t.counts.size() != t.tokens.size()) {
        throw bad("token prior's tables do not fit together");
    }
    TokenPrior p = fit({}, t.codes, t.classes, o);
    for (std::size_t i = 0; i < t.keys.size(); ++i) {
        const std::uint64_t k = t.keys[i];
        const int level = int(k >> 48);
        if (i > 0 && k <= t.keys[i - 1]) throw bad("token prior's contexts are not in increasing order");
        // Fields a level does not use are 0; the used ones are a class, tokens or the border.
        const std::uint64_t label = (k >> 32) & 0xFFFF, first = (k >> 16) & 0xFFFF, second = k & 0xFFFF;
        if (std::find(p.levels_.begin(), p.levels_.end(), level) == p.levels_.end() ||
            (level < 1 ? label != 0 : label >= std::uint64_t(t.classes)) || (level < 2 ? first != 0 : first > std::uint64_t(t.codes)) ||
            (level < 3 ? second != 0 : second > std::uint64_t(t.codes))) {
            throw bad("token prior's context " + std::to_string(i) + " is not one of its levels");
        }
        if (t.offsets[i + 1] <= t.offsets[i] || t.offsets[i + 1] > t.tokens.size()) throw bad("token prior's offsets are not increasing");
        Counts& c = p.contexts_[k];
        for (std::uint32_t e = t.offsets[i]; e < t.offsets[i + 1]; ++e) {
            if (t.tokens[e] >= t.codes || t.counts[e] == 0 || (e > t.offsets[i] && t.tokens[e] <= t.tokens[e - 1])) {
                throw bad("token prior's entry " + std::to_string(e) + " is not a token below K with a count > 0");
            }
            if (c.total > UINT32_MAX - t.counts[e]) throw bad("token prior's counts overflow");
            c.total += t.counts[e];
            c.of[t.tokens[e]] = t.counts[e];
        }
    }
    return p;
}

double TokenPrior::bits(const TokenGrid& grid, int label) const {
    require_grid(grid, codes_, "token grid");
    require(label >= 0 && label < classes_, "class", "must be in [0, " + std::to_string(classes_) + ")");
    double total = 0;
    for (int y = 0; y < grid.rows(); ++y) {
        for (int x = 0; x < grid.cols(); ++x) {
            const int t = neighbour(grid, y, x), left = neighbour(grid, y, x - 1), up = neighbour(grid, y - 1, x);
            double p = 1.0 / double(codes_);
            for (const int level : levels_) {
                const auto it = contexts_.find(key(level, label, left, up));
                if (it == contexts_.end()) break;
                const Counts& c = it->second;
                const auto n = c.of.find(std::uint16_t(t));
                const double seen = double(c.total), escape = escape_[std::size_t(level)] * double(c.of.size());
                p = ((n == c.of.end() ? 0.0 : double(n->second)) + escape * p) / (seen + escape);
            }
            total -= std::log2(p);
        }
    }
    return total;
}

TokenGrid TokenPrior::sample(const TokenGrid& shape, int label, double temperature, int top_k, RandomStream& rng) const {
    require(std::isfinite(temperature) && temperature > 0, "temperature", "must be a finite number > 0");
    require(top_k >= 1 && top_k <= codes_, "top_k", "must be in [1, " + std::to_string(codes_) + "]");
    require(label >= 0 && label < classes_, "class", "must be in [0, " + std::to_string(classes_) + ")");
    TokenGrid g = shape;
    g.num_codes = codes_;
    g.indices.assign(std::size_t(g.rows()) * std::size_t(g.cols()), 0);
    std::vector<double> p, w(static_cast<std::size_t>(top_k));
    std::vector<int> ranked(static_cast<std::size_t>(codes_));
    for (int y = 0; y < g.rows(); ++y) {
        for (int x = 0; x < g.cols(); ++x) {
            distribution(g, label, y, x, p);
            // The top_k most probable, the lower index first among equals.
            std::iota(ranked.begin(), ranked.end(), 0);
            const auto more_probable = [&](int a, int b) { return p[std::size_t(a)] != p[std::size_t(b)] ? p[std::size_t(a)] > p[std::size_t(b)] : a < b; };
            std::partial_sort(ranked.begin(), ranked.begin() + top_k, ranked.end(), more_probable);
            // p^(1/T) relative to the most probable: no overflow however small T is.
            const double top = p[std::size_t(ranked[0])];
            double sum = 0;
            for (int i = 0; i < top_k; ++i) sum += w[std::size_t(i)] = std::pow(p[std::size_t(ranked[std::size_t(i)])] / top, 1.0 / temperature);
            double u = rng.uniform() * sum;
            int pick = ranked[0];
            for (int i = 0; i < top_k; ++i) {
                u -= w[std::size_t(i)];
                if (u < 0) {
                    pick = ranked[std::size_t(i)];
                    break;
                }
            }
            g.indices[std::size_t(y) * std::size_t(g.cols()) + std::size_t(x)] = std::uint16_t(pick);
        }
    }
    return g;
}

}  // namespace lidecm
