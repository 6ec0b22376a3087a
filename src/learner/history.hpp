#pragma once
// Internal: the learner's bounded histories (LearnerOptions::history_cap).
#include <cstddef>
#include <utility>
#include <vector>

namespace lidecm::detail {

/// Appends and drops the oldest entries beyond `cap`. Erasing from the front moves
/// at most `cap` values, noise beside a training step.
template <class T>
void push_capped(std::vector<T>& history, T value, std::size_t cap) {
    if (history.size() >= cap) history.erase(history.begin(), history.end() - std::ptrdiff_t(cap - 1));
    history.push_back(std::move(value));
}

/// Keeps the newest `cap` entries.
template <class T>
void keep_newest(std::vector<T>& history, std::size_t cap) {
    if (history.size() > cap) history.erase(history.begin(), history.end() - std::ptrdiff_t(cap));
}

}  // namespace lidecm::detail
