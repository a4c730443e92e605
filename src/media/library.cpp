#include <cback/media/library.hpp>

#include <cback/core/error.hpp>
#include <cback/core/log.hpp>
#include <cback/media/libraries.hpp>

#include <fmt/format.h>

#include <atomic>
#include <cstring>
#include <mutex>
#include <string_view>

namespace cback::media {
namespace {

// libburn's "Write thread on drive N ended", at DEBUG severity: the last
// thing its write thread does with the drive.
constexpr int k_write_thread_ended = 0x00020178;

std::atomic<std::uint64_t> g_write_threads_ended{0};

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
  // Queue from DEBUG up (take_messages() passes NOTE up on and watches
  // for the end of write threads); never let the libraries print on their
  // own (their stderr lines would bypass the log and interleave).
  char queue[] = "DEBUG";
  char print[] = "NEVER";
  char id[] = "cback: ";
  burn::burn_msgs_set_severities(queue, print, id);
  // A "stdio:/dev/fd/N" of a descriptor opened read-only becomes a
  // read-only pseudo-drive (Grab::read_only). Nothing else changes: paths
  // are not probed, and the store's descriptors are opened read-write.
  constexpr int k_enable_read_only_role = 1;
  burn::burn_allow_drive_role_4(k_enable_read_only_role);
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
    if (std::string_view(severity) == "DEBUG" || std::string_view(severity) == "UPDATE") {
      if (code == k_write_thread_ended) {
        ++g_write_threads_ended;
      }
      continue;
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

std::uint64_t write_threads_ended() {
  return g_write_threads_ended.load();
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
