#include <cback/extend/runners.hpp>

#include <cback/context.hpp>
#include <cback/extend/amazons3.hpp>
#include <cback/extend/capacity.hpp>
#include <cback/extend/command.hpp>
#include <cback/extend/encrypt.hpp>
#include <cback/extend/mbox.hpp>
#include <cback/extend/mysql.hpp>
#include <cback/extend/postgresql.hpp>
#include <cback/extend/python_bridge.hpp>
#include <cback/extend/split.hpp>
#include <cback/extend/subversion.hpp>
#include <cback/extend/sysinfo.hpp>

#include <array>

namespace cback::extend {
namespace {

// In the order of enum Builtin.
constexpr std::array<actions::ActionFunction, 11> k_runners{
    &run_sysinfo, &run_mysql,    &run_postgresql, &run_subversion, &run_mbox,          &run_encrypt,
    &run_split,   &run_capacity, &run_amazons3,   &run_command,    &run_python_bridge,
};
static_assert(k_runners.size() == static_cast<std::size_t>(Builtin::python_bridge) + 1);

} // namespace

actions::ActionFunction runner_of(const BuiltinExtension& extension) {
  return k_runners.at(static_cast<std::size_t>(extension.id));
}

} // namespace cback::extend
