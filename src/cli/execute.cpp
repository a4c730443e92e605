#include <cback/cli/execute.hpp>

#include <cback/context.hpp>
#include <cback/core/error.hpp>
#include <cback/core/python_format.hpp>
#include <cback/peer/managed.hpp>

#include <fmt/format.h>

namespace cback::cli {
namespace {

std::string_view kind_name(HookKind kind) {
  return kind == HookKind::pre_action ? "pre-action" : "post-action";
}

// As the original: each of the last lines on its own line, indented.
std::string tail_text(const std::vector<std::string>& tail) {
  if (tail.empty()) {
    return "<empty>";
  }
  std::string out;
  for (const auto& line : tail) {
    out += "\n   " + line;
  }
  return out;
}

void run_hook(Context& context, const config::ActionHook& hook, HookKind kind) {
  const auto fields = core::split_command_line(hook.command);
  context.log.debug("Executing {} hook for action {}: {}", kind_name(kind), hook.action,
                    core::python_list(fields));
  if (fields.empty()) {
    throw Error(ExitCode::action, fmt::format("The {} hook for action {} has an empty command.",
                                              kind_name(kind), hook.action));
  }
  core::CommandRequest request;
  request.argv = fields;
  const auto result = context.runner.run(request);
  if (result.exit_status != 0) {
    context.log.error("Hook failed, tail is: {}", tail_text(result.tail));
    throw Error(ExitCode::action,
                fmt::format("Error ({}) executing {} hook for action {}: {}", result.exit_status,
                            kind_name(kind), hook.action, core::python_list(fields)));
  }
}

void run_local(const ActionItem& item, Context& context) {
  context.log.debug("Executing [{}] action.", item.name);
  run_hooks(context, item.pre_hooks, HookKind::pre_action);
  context.log.debug("Calling action [{}], execution index [{}]", item.name, item.index);
  context.action = item.name;
  item.run(context);
  run_hooks(context, item.post_hooks, HookKind::post_action);
}

} // namespace

void run_hooks(Context& context, const std::vector<config::ActionHook>& hooks, HookKind kind) {
  for (const auto& hook : hooks) {
    context.stop.check();
    run_hook(context, hook, kind);
  }
}

// A failed managed client does not stop the run (as in the original): the
// remaining items run, and the run fails with exit 6 at the end.
void execute(const ActionPlan& plan, Context& context) {
  std::vector<peer::ManagedFailure> managed_failures;
  for (const auto& item : plan.items) {
    context.stop.check();
    if (item.target == Target::managed) {
      auto failures = peer::run_managed_action(context, item.name, item.peers);
      managed_failures.insert(managed_failures.end(), failures.begin(), failures.end());
    } else {
      run_local(item, context);
    }
  }
  context.stop.check();
  peer::throw_if_failed(managed_failures);
}

} // namespace cback::cli
