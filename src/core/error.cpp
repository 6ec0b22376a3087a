#include "lidecm/core/error.hpp"

#include <cmath>
#include <sstream>

namespace lidecm {

void require(bool ok, const std::string& name, const std::string& what) {
    if (!ok) throw InvalidArgument(name + ": " + what);
}

void require_positive(double value, const std::string& name) {
    if (std::isfinite(value) && value > 0.0) return;
    std::ostringstream msg;
    msg << "must be a finite number > 0, got " << value;
    throw InvalidArgument(name + ": " + msg.str());
}

}  // namespace lidecm
