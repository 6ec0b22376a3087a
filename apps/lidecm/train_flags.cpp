#include "train_flags.hpp"

#include <string>

#include "cli_support.hpp"
#include "lidecm/core/error.hpp"

namespace lidecm::cli {
namespace {

std::string flag_name(const TrainOption& option) { return std::string("--") + option.flag; }

// CLI11's checks print what `lidecm train` has always printed ("Value 0 not in range 1 to
// 1048576"); a range's number type gives its help ("INT in [1 - 1048576]").
CLI::Validator range_check(const OptionRange& r) {
    switch (r.type) {
        case OptionType::integer: return CLI::Range(static_cast<long long>(r.lo), static_cast<long long>(r.hi));
        case OptionType::count:
            return CLI::Range(static_cast<unsigned long long>(r.lo), static_cast<unsigned long long>(r.hi));
        default: return finite_range(r.lo, r.hi);
    }
}

CLI::Validator choice_check(const TrainOption& option) {
    if (option.type != OptionType::integer) return CLI::IsMember(option.choices);
    std::vector<long long> numbers;
    for (const std::string& c : option.choices) numbers.push_back(std::stoll(c));
    return CLI::IsMember(numbers);
}

}  // namespace

TrainOptionFlags::TrainOptionFlags() {
    for (const TrainOption& o : train_options()) flags_.push_back({&o, default_value(o)});
}

void TrainOptionFlags::add(CLI::App& cmd, std::string_view flag) {
    Flag& f = flags_[index(flag)];
    if (f.cli != nullptr) return;
    const TrainOption& o = *f.option;
    if (o.type == OptionType::boolean) {
        f.cli = cmd.add_flag(flag_name(o), f.switched, o.help);
        return;
    }
    f.cli = std::visit([&](auto& v) { return cmd.add_option(flag_name(o), v, o.help); }, f.value);
    if (o.show_default) std::visit([&](const auto& v) { f.cli->default_val(v); }, default_value(o));
    if (o.range) f.cli->check(range_check(*o.range));
    if (!o.choices.empty()) f.cli->check(choice_check(o));
}

void TrainOptionFlags::add_rest(CLI::App& cmd) {
    for (const Flag& f : flags_) add(cmd, f.option->flag);
}

std::size_t TrainOptionFlags::index(std::string_view flag) const {
    return static_cast<std::size_t>(&train_option(flag) - train_options().data());  // flags_ is in table order
}

OptionValue TrainOptionFlags::given(const Flag& f) const {
    if (f.option->type != OptionType::boolean) return f.value;
    const bool by_default = std::get<bool>(default_value(*f.option));
    return f.switched ? !by_default : by_default;
}

OptionValue TrainOptionFlags::value(std::string_view flag) const { return given(flags_[index(flag)]); }

TrainConfig TrainOptionFlags::config() const {
    std::vector<OptionSetting> settings;
    for (const Flag& f : flags_) {
        if (f.cli != nullptr && f.cli->count() > 0) settings.push_back({f.option, given(f)});
    }
    TrainConfig config;
    apply_options(config, settings, flag_name);
    return config;
}

}  // namespace lidecm::cli
