// The training options' table: each option once, its units and its defaults.
#include <set>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "lidecm/core/error.hpp"
#include "lidecm/train/train_config.hpp"
#include "lidecm/train/train_options.hpp"

namespace lidecm {
namespace {

std::string flag_of(const TrainOption& o) { return std::string("--") + o.flag; }

TEST(TrainOptions, EachFlagAndKeywordOnce) {
    std::set<std::string> flags, keywords;
    for (const TrainOption& o : train_options()) {
        EXPECT_TRUE(flags.insert(o.flag).second) << o.flag;
        if (o.keyword != nullptr) {
            EXPECT_TRUE(keywords.insert(o.keyword).second) << o.keyword;
        }
        EXPECT_EQ(default_value(o).index(), static_cast<std::size_t>(o.type)) << o.flag;
    }
}

TEST(TrainOptions, UnitsConvertBothWays) {
    TrainConfig c;
    const OptionSetting s[] = {{&train_option("input-noise"), 10.0},
                               {&train_option("cache-mb"), 3ULL},
                               {&train_option("full-decode"), true}};
    apply_options(c, s, flag_of);
    EXPECT_DOUBLE_EQ(c.input_noise, 10.0 / 255.0);
    EXPECT_EQ(c.dataset.cache_bytes, std::size_t(3) << 20);
    EXPECT_FALSE(c.dataset.reduced_decode);
    EXPECT_DOUBLE_EQ(std::get<double>(option_value(train_option("input-noise"), c)), 10.0);
    EXPECT_EQ(std::get<unsigned long long>(option_value(train_option("cache-mb"), c)), 3ULL);
}

TEST(TrainOptions, ARangeViolationNamesTheOption) {
    TrainConfig c;
    const OptionSetting s[] = {{&train_option("input-noise"), 300.0}};
    try {
        apply_options(c, s, flag_of);
        FAIL() << "accepted";
    } catch (const InvalidArgument& e) {
        EXPECT_EQ(std::string(e.what()), "--input-noise: must be in [0, 255]");
    }
}

// The table passes plain integers on; TrainConfig::validate() refuses them, and the
// message is renamed to the flag (as `lidecm train` and lidecm.train() report it).
// `--flag v` set through the table, then validated: the message must be `expected` + v.
void expect_refused_by_flag(const std::string& flag, long long v, const std::string& expected) {
    TrainConfig c;
    const OptionSetting s[] = {{&train_option(flag), v}};
    apply_options(c, s, flag_of);
    try {
        c.validate();
        ADD_FAILURE() << flag << " " << v << " accepted";
    } catch (const InvalidArgument& e) {
        EXPECT_EQ(named_as_options(e.what(), flag_of), expected + std::to_string(v));
    }
}

TEST(TrainOptions, PriorComponentsOutOfRangeAreRefusedByFlag) {
    for (const long long v : {513LL, -1LL}) {
        expect_refused_by_flag("prior-components", v, "--prior-components: must be in [0, 512] (0 = no prior), got ");
    }
    for (const int v : {0, 1, 512}) {
        TrainConfig c;
        c.prior_components = v;
        EXPECT_NO_THROW(c.validate()) << v;
    }
    TrainConfig c;
    c.prior_iterations = 0;
    EXPECT_THROW(c.validate(), InvalidArgument);
    EXPECT_EQ(std::get<long long>(default_value(train_option("prior-components"))), 20);
    EXPECT_EQ(std::get<long long>(default_value(train_option("prior-iterations"))), 30);
}

TEST(TrainOptions, ClassPriorsOutOfRangeAreRefusedByFlag) {
    for (const long long v : {65LL, -1LL}) {
        expect_refused_by_flag("class-priors", v, "--class-priors: must be in [0, 64] (0 = the pooled prior alone), got ");
    }
    EXPECT_EQ(std::get<long long>(default_value(train_option("class-priors"))), kDefaultClassPriorsUpTo);
    // A config stored before class priors existed reads 0: its run fitted none, and a resume fits none.
    nlohmann::json old = nlohmann::json::parse(to_json(TrainConfig{}));
    old.erase("class_priors");
    EXPECT_EQ(train_config_from_json(old.dump(), "old").class_priors, 0);
    // Nor learner_every: every batch was evaluated then, and a resume goes on so.
    old.erase("learner_every");
    EXPECT_EQ(train_config_from_json(old.dump(), "old").learner_every, 1);
}

}  // namespace
}  // namespace lidecm
