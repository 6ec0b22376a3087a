#pragma once
// A tiny finished training run (with noisy inputs, so the sample grid has four
// rows) for the report tests.
#include <string>

namespace lidecm::test {

/// Trains into `dir`/run on a generated two-class folder and returns the run folder.
std::string tiny_run(const std::string& dir);

}  // namespace lidecm::test
