#pragma once
// Exceptions thrown by lidecm. Every message names the file, flag or option at
// fault and what is wrong with it, on one line, so the CLI can print it as is.
#include <stdexcept>
#include <string>

namespace lidecm {

/// Base class of every lidecm error.
class Error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// An option or argument has a value the algorithm cannot use (NaN, out of range, ...).
class InvalidArgument : public Error {
public:
    using Error::Error;
};

/// A file could not be read or written, or its contents are not what they claim.
class IoError : public Error {
public:
    using Error::Error;
};

/// Throws InvalidArgument("<name>: <what>") unless `ok`.
void require(bool ok, const std::string& name, const std::string& what);

/// Throws InvalidArgument unless `value` is finite and > 0.
void require_positive(double value, const std::string& name);

}  // namespace lidecm
