#include <cback/peer/managed.hpp>

#include <cback/context.hpp>
#include <cback/core/error.hpp>
#include <cback/peer/ssh_session.hpp>

#include <fmt/format.h>

namespace cback::peer {
namespace {

/// Runs the command on one client; returns why it failed, or "" when it
/// exited 0. Errors other than a stop request become the reason.
std::string run_on_client(Context& context, const config::Peer& peer, const std::string& command) {
  const auto sink = [&context, &peer](std::string_view line, bool /*from_stderr*/) {
    context.log.info("Managed client [{}]: {}", peer.name, line);
  };
  try {
    auto session = SshSession::connect(endpoint_for(context.config, peer), &context.stop);
    const int status = session.exec(command, sink, context.stop);
    if (status == 0) {
      return {};
    }
    return status < 0 ? fmt::format("Command failed [{}] (killed by a signal)", command)
                      : fmt::format("Command failed [{}] with exit status {}", command, status);
  } catch (const Error& error) {
    if (error.code() == ExitCode::interrupted) {
      throw;
    }
    return error.what();
  }
}

} // namespace

std::string managed_command(const config::Config& config, const config::Peer& peer,
                            std::string_view action, bool full) {
  std::string command(k_default_cback_command);
  if (peer.cback_command) {
    command = *peer.cback_command;
  } else if (config.options && config.options->cback_command) {
    command = *config.options->cback_command;
  }
  return full ? fmt::format("{} --full {}", command, action)
              : fmt::format("{} {}", command, action);
}

std::vector<ManagedFailure> run_managed_action(Context& context, const std::string& action,
                                               const std::vector<config::Peer>& peers) {
  std::vector<ManagedFailure> failures;
  for (const auto& peer : peers) {
    context.stop.check();
    context.log.debug("Executing managed action [{}] on peer [{}].", action, peer.name);
    const auto command =
        managed_command(context.config, peer, action, context.flags.full == core::Full::yes);
    auto reason = run_on_client(context, peer, command);
    if (!reason.empty()) {
      context.log.error("{}", reason);
      context.log.error("Failed to execute action [{}] on managed client [{}].", action, peer.name);
      failures.push_back(ManagedFailure{action, peer.name, std::move(reason)});
    }
  }
  return failures;
}

void throw_if_failed(const std::vector<ManagedFailure>& failures) {
  if (failures.empty()) {
    return;
  }
  std::string list;
  for (const auto& failure : failures) {
    list += fmt::format("{}[{}] on [{}]", list.empty() ? "" : ", ", failure.action, failure.peer);
  }
  throw Error(ExitCode::action,
              fmt::format("Managed actions failed on {} client(s): {}.", failures.size(), list));
}

} // namespace cback::peer
