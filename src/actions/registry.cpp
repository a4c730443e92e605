#include <cback/actions/action.hpp>

#include <cback/actions/collect.hpp>
#include <cback/actions/initialize.hpp>
#include <cback/actions/purge.hpp>
#include <cback/actions/rebuild.hpp>
#include <cback/actions/stage.hpp>
#include <cback/actions/store.hpp>
#include <cback/actions/validate.hpp>
#include <cback/context.hpp>

#include <array>

namespace cback::actions {
namespace {

constexpr char k_collect[] = "collect";
constexpr char k_stage[] = "stage";
constexpr char k_store[] = "store";
constexpr char k_purge[] = "purge";
constexpr char k_rebuild[] = "rebuild";
constexpr char k_initialize[] = "initialize";

// Indices as the original's (docs/compatibility.md, "Action order"); the non-combinable actions
// run alone, so their index 0 never competes with anything.
constexpr std::array k_builtins{
    BuiltinAction{k_collect, 100, true, &run_collect},
    BuiltinAction{k_stage, 200, true, &run_stage},
    BuiltinAction{k_store, 300, true, &run_store},
    BuiltinAction{k_purge, 400, true, &run_purge},
    BuiltinAction{k_rebuild, 0, false, &run_rebuild},
    BuiltinAction{"validate", 0, false, &run_validate},
    BuiltinAction{k_initialize, 0, false, &run_initialize},
    BuiltinAction{"all", 0, false, nullptr},
};

constexpr std::array<std::string_view, 4> k_all_components{k_collect, k_stage, k_store, k_purge};

} // namespace

std::span<const BuiltinAction> builtin_actions() {
  return k_builtins;
}

const BuiltinAction* find_builtin(std::string_view name) {
  for (const auto& action : k_builtins) {
    if (action.name == name) {
      return &action;
    }
  }
  return nullptr;
}

std::span<const std::string_view> all_components() {
  return k_all_components;
}

} // namespace cback::actions
