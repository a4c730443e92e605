#include <cback/extend/command.hpp>

#include <cback/context.hpp>
#include <cback/core/error.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace cback::extend {
namespace {

const config::ExtendedAction& configured_action(const Context& context) {
  if (context.config.extensions) {
    for (const auto& action : context.config.extensions->actions) {
      if (action.name == context.action && action.command) {
        return action;
      }
    }
  }
  throw Error(ExitCode::action,
              fmt::format("Extended action [{}] has no command to run.", context.action));
}

} // namespace

std::vector<std::string> command_argv(const Context& context,
                                      const config::ExtendedAction& action) {
  std::vector<std::string> argv{action.command.value_or(""), context.config.path, action.name};
  if (context.flags.full == core::Full::yes) {
    argv.emplace_back("--full");
  }
  return argv;
}

void run_command(Context& context) {
  const auto& action = configured_action(context);
  core::CommandRequest request;
  request.argv = command_argv(context, action);
  request.capture = core::Capture::all;
  const auto result = context.runner.run(request);
  for (const auto& line : result.output) {
    context.log.info("[{}] {}", action.name, line);
  }
  if (result.exit_status != 0) {
    throw Error(ExitCode::action,
                fmt::format("Extended action [{}]: command [{}] failed with exit status {}{}",
                            action.name, *action.command, result.exit_status,
                            result.tail.empty()
                                ? std::string(".")
                                : fmt::format(": {}", fmt::join(result.tail, " | "))));
  }
  context.log.info("Executed extended action [{}] successfully.", action.name);
}

} // namespace cback::extend
