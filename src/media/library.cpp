#include <cback/media/library.hpp>

#include <cback/core/error.hpp>
#include <cback/core/log.hpp>
#include <cback/media/libraries.hpp>

#include <fmt/format.h>

#include <cstring>
#include <mutex>
#include <string_view>

namespace cback::media {
namespace {

MessageSeverity severity_of(std::string_view name) {
  if (name == "SORRY" || name == "FAILURE" || name == "FATAL" || name == "ABORT") {
    return MessageSeverity::error;
  }
  if (name == "WARNING" || name == "MISHAP") {
    return MessageSeverity::warning;
  }
  return MessageSeverity::note;
}

void initialize_once() {
  char message[1024] = {};
  if (burn::isoburn_initialize(message, 0) <= 0) {
    throw Error(ExitCode::action,
                fmt::format("Cannot initialize libisoburn/libburn/libisofs: {}", message));
  }
  // Queue from NOTE up for our log; never let the libraries print on their
  // own (their stderr lines would bypass the log and interleave).
  char queue[] = "NOTE";
  char print[] = "NEVER";
  char id[] = "cback: ";
  burn::burn_msgs_set_severities(queue, print, id);
}

} // namespace

void ensure_library() {
  static std::once_flag once;
  std::call_once(once, initialize_once);
}

std::vector<LibraryMessage> take_messages() {
  std::vector<LibraryMessage> messages;
  char minimum[] = "ALL";
  for (;;) {
    int code = 0;
    int os_errno = 0;
    char text[BURN_MSGS_MESSAGE_LEN] = {};
    char severity[80] = {};
    if (burn::burn_msgs_obtain(minimum, &code, text, &os_errno, severity) <= 0) {
      break;
    }
    LibraryMessage message;
    message.severity = severity_of(severity);
    message.text = text;
    message.os_errno = os_errno;
    if (os_errno != 0) {
      message.text += fmt::format(" ({})", std::strerror(os_errno));
    }
    messages.push_back(std::move(message));
  }
  return messages;
}

std::string iso_error_text(int code) {
  const char* text = iso_error_to_msg(code);
  return text != nullptr ? text : fmt::format("libisofs error {:#x}", code);
}

std::vector<std::string> log_messages(core::Logger& log) {
  std::vector<std::string> errors;
  for (const auto& message : take_messages()) {
    switch (message.severity) {
    case MessageSeverity::note:
      log.debug("libburn: {}", message.text);
      break;
    case MessageSeverity::warning:
      log.warning("libburn: {}", message.text);
      break;
    case MessageSeverity::error:
      log.debug("libburn: {}", message.text);
      errors.push_back(message.text);
      break;
    }
  }
  return errors;
}

} // namespace cback::media
