#pragma once
// The macros behind every layer's json_mappings.cpp (the mappings of lidecm/<layer>/json.hpp).
#include <nlohmann/json.hpp>

// NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT makes its functions `inline`,
// which would leave the declarations of the json.hpp headers undefined in every other file.
#define LIDECM_JSON_FIELDS(Type, ...)                                                          \
    void to_json(nlohmann::json& nlohmann_json_j, const Type& nlohmann_json_t) {               \
        NLOHMANN_JSON_EXPAND(NLOHMANN_JSON_PASTE(NLOHMANN_JSON_TO, __VA_ARGS__))                \
    }                                                                                           \
    void from_json(const nlohmann::json& nlohmann_json_j, Type& nlohmann_json_t) {              \
        const Type nlohmann_json_default_obj{};                                                 \
        NLOHMANN_JSON_EXPAND(NLOHMANN_JSON_PASTE(NLOHMANN_JSON_FROM_WITH_DEFAULT, __VA_ARGS__)) \
    }

// The same for enums: the tables live in a namespace of their own (ADL must
// find the declarations of the json.hpp headers, not these templates).
#define LIDECM_JSON_ENUM(Type)                                                                    \
    void to_json(nlohmann::json& j, const Type& v) { enum_names::to_json(j, v); }                \
    void from_json(const nlohmann::json& j, Type& v) { enum_names::from_json(j, v); }
