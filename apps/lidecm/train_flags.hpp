#pragma once
// `lidecm train`'s training options as CLI11 flags, registered from the library's table
// (lidecm/train/train_options.hpp): its names, help, defaults, ranges and choices.
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

#include "lidecm/train/train_options.hpp"

namespace lidecm::cli {

class TrainOptionFlags {
public:
    TrainOptionFlags();
    TrainOptionFlags(const TrainOptionFlags&) = delete;  // CLI11 writes into flags_
    TrainOptionFlags& operator=(const TrainOptionFlags&) = delete;

    /// Registers the option with this flag on `cmd`.
    void add(CLI::App& cmd, std::string_view flag);
    /// Registers every option not added yet, in the table's order.
    void add_rest(CLI::App& cmd);
    /// The value given for the option with this flag, or its default.
    OptionValue value(std::string_view flag) const;
    /// TrainConfig{} with the options given on the command line.
    TrainConfig config() const;

private:
    struct Flag {
        const TrainOption* option;
        OptionValue value;      // what CLI11 parses into (all but booleans)
        bool switched = false;  // a boolean's flag was given: it is not its default
        CLI::Option* cli = nullptr;
    };
    std::size_t index(std::string_view flag) const;
    OptionValue given(const Flag& f) const;

    std::vector<Flag> flags_;  // one per option; CLI11 holds references into it, so it never grows
};

}  // namespace lidecm::cli
