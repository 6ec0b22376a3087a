#pragma once
// The training options a user sets, each declared once: its CLI flag, Python keyword,
// TrainConfig member, unit, range and help (as libvips declares its operations'
// arguments). `lidecm train` registers its flags from this table and lidecm.train()
// takes its keywords from it, so both convert units and name options alike. The JSON
// of model files is not built from it: that maps every TrainConfig member, including
// those no option sets.
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "lidecm/train/train_config.hpp"

namespace lidecm {

/// How the value a user gives relates to the TrainConfig member it sets.
enum class OptionUnit {
    plain,      ///< the member's own value
    per255,     ///< a σ on the 0-255 scale; the member holds it in 0-1 units
    megabytes,  ///< MB; the member holds bytes
    negated,    ///< a switch holding the member's opposite (full_decode sets reduced_decode off)
};

/// What a front end parses an option's value as; the index of its OptionValue alternative.
enum class OptionType {
    boolean,
    integer,  ///< an int member
    count,    ///< a std::size_t or std::uint64_t member
    real,
    text,
};

/// An option's value in its unit, of the alternative its OptionType names.
using OptionValue = std::variant<bool, long long, unsigned long long, double, std::string>;

/// Inclusive bounds in the option's unit. `type` is the number type they are written
/// in (integer, count or real), which the CLI's help shows ("INT in [1 - 64]").
struct OptionRange {
    OptionType type;
    double lo, hi;
};

struct TrainOption {
    const char* flag;        ///< the CLI's name without "--"; a boolean's flag turns it from its default
    const char* keyword;     ///< lidecm.train()'s keyword; nullptr: not one (`data` is positional there)
    const char* checked_as;  ///< the name TrainConfig::validate() gives this option in its messages
    OptionType type = OptionType::text;  ///< field<...> in the table sets it from the member
    OptionUnit unit = OptionUnit::plain;
    std::optional<OptionRange> range = std::nullopt;  ///< what the front ends accept
    std::vector<std::string> choices = {};  ///< the values a text or integer option takes; empty: any
    bool show_default = true;          ///< false where the default means "off" or depends on other options
    bool applies_first = false;        ///< it resets other members (the refiner), so it is set before them
    const char* help = "";
    /// The member's value and its assignment, in the member's units; write names the
    /// option `shown_as` in what it throws (select_learner's unknown name).
    OptionValue (*read)(const TrainConfig&) = nullptr;
    void (*write)(TrainConfig&, const OptionValue&, const std::string& shown_as) = nullptr;
};

/// Every training option, in the order `lidecm train --help` lists them.
std::span<const TrainOption> train_options();
/// The option with this flag; throws InvalidArgument for another name.
const TrainOption& train_option(std::string_view flag);

/// `config`'s value of `option`, in the option's unit.
OptionValue option_value(const TrainOption& option, const TrainConfig& config);
/// The default, TrainConfig{}'s value.
OptionValue default_value(const TrainOption& option);

/// How a front end names an option in messages ("--batch-size", "batch_size").
using OptionNaming = std::function<std::string(const TrainOption&)>;

struct OptionSetting {
    const TrainOption* option;
    OptionValue value;  ///< in the option's unit
};

/// Sets `settings` on `config` in table order, those that apply first before the rest, and
/// converts their units. A value given in another unit than its member's is checked against
/// the option's range here, in the unit it was given in, and a failure names it by `naming`;
/// plain values are left to TrainConfig::validate(), whose messages `named_as_options` renames.
void apply_options(TrainConfig& config, std::span<const OptionSetting> settings, const OptionNaming& naming);

/// `message` (as TrainConfig::validate() throws it, "batch size: ...") with the option's
/// name replaced by `naming`'s ("batch_size: ..."); other messages are returned as they are.
std::string named_as_options(const std::string& message, const OptionNaming& naming);

/// "a, b or c".
std::string choice_list(const TrainOption& option);

}  // namespace lidecm
