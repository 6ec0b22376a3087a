#pragma once
// Declares the JSON mapping of a library type (defined in its layer's json_mappings.cpp),
// which nlohmann::json finds by ADL: `nlohmann::json(v)` and `j.get<Type>()`.
#include <nlohmann/json_fwd.hpp>

#define LIDECM_DECLARE_JSON(Type)                        \
    void to_json(nlohmann::json& j, const Type& v);      \
    void from_json(const nlohmann::json& j, Type& v)
