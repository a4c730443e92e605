#pragma once

// Process-wide setup of libburn/libisofs/libisoburn and their message
// queue. The libraries keep global state (one message queue, one list of
// drives), so they are initialized once per process and never finished:
// finishing would pull drives from under a concurrent user.

#include <string>
#include <vector>

namespace cback::core {
class Logger;
}

namespace cback::media {

/// Initializes the three libraries once (thread-safe). Messages are queued
/// from NOTE up and never printed by the libraries themselves; read them
/// with take_messages(). Throws cback::Error(action) if the libraries are
/// missing or too old.
void ensure_library();

enum class MessageSeverity { note, warning, error };

struct LibraryMessage {
  MessageSeverity severity = MessageSeverity::note;
  std::string text; ///< with the OS error appended when there was one
  int os_errno = 0;
};

/// Removes and returns the queued library messages, oldest first.
std::vector<LibraryMessage> take_messages();

/// libisofs's text for one of its error codes (or the code in hex).
std::string iso_error_text(int code);

/// Logs the queued messages (notes at DEBUG, the others at WARNING) and
/// returns the texts of those at error severity, for an error message.
std::vector<std::string> log_messages(core::Logger& log);

} // namespace cback::media
