#include "train/model_token_prior.hpp"

#include <algorithm>
#include <string>

#include "lidecm/core/error.hpp"
#include "lidecm/train/model.hpp"

namespace lidecm::detail {

void add_token_prior(TensorFileWriter& w, const TokenPrior& prior) {
    const TokenPriorTables t = prior.tables();
    std::vector<double> settings = {double(t.codes), double(t.classes), double(t.order), t.up_first ? 1.0 : 0.0};
    settings.insert(settings.end(), t.escape.begin(), t.escape.end());
    w.add("token_prior.settings", settings);
    w.add("token_prior.keys", t.keys);
    w.add("token_prior.offsets", t.offsets);
    w.add("token_prior.tokens", t.tokens);
    w.add("token_prior.counts", t.counts);
}

std::optional<TokenPrior> read_token_prior(const TensorFile& f, const Model& m) {
    if (!f.has("token_prior.settings")) return std::nullopt;
    const std::vector<double> s = f.get<double>("token_prior.settings", {8});
    TokenPriorTables t;
    const auto whole = [&](double v, double lo, double hi) {
        if (!(v >= lo && v <= hi) || v != double(int(v))) throw IoError(f.name() + ": token_prior.settings is damaged");
        return int(v);
    };
    t.codes = whole(s[0], 1, 65534);
    t.classes = whole(s[1], 1, 65536);
    t.order = whole(s[2], 0, 3);
    t.up_first = whole(s[3], 0, 1) == 1;
    std::copy(s.begin() + 4, s.end(), t.escape.begin());
    const int classes = std::max<int>(1, int(m.class_names.size()));
    if (t.codes != m.codebook->size() || t.classes != classes) {
        throw IoError(f.name() + ": the token prior is of " + std::to_string(t.codes) + " codes and " +
                      std::to_string(t.classes) + " classes, the model has " + std::to_string(m.codebook->size()) +
                      " and " + std::to_string(classes));
    }
    t.keys = f.get<std::uint64_t>("token_prior.keys");
    t.offsets = f.get<std::uint32_t>("token_prior.offsets");
    t.tokens = f.get<std::uint16_t>("token_prior.tokens");
    t.counts = f.get<std::uint32_t>("token_prior.counts");
    try {
        return TokenPrior::from_tables(t, f.name());
    } catch (const InvalidArgument& e) {
        throw IoError(e.what());
    }
}

}  // namespace lidecm::detail
