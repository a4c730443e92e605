#pragma once

// Process-wide setup of libburn/libisofs/libisoburn and their message
// queue. The libraries keep global state (one message queue, one list of
// drives), so they are initialized once per process and never finished:
// finishing would pull drives from under a concurrent user.

#include <cstdint>
#include <string>
#include <vector>

namespace cback::core {
class Logger;
}

namespace cback::media {

/// Initializes the three libraries once (thread-safe). Messages are queued
/// from DEBUG up and never printed by the libraries themselves; read them
/// with take_messages(). Throws cback::Error(action) if the libraries are
/// missing or too old.
void ensure_library();

enum class MessageSeverity { note, warning, error };

struct LibraryMessage {
  MessageSeverity severity = MessageSeverity::note;
  std::string text; ///< with the OS error appended when there was one
  int os_errno = 0;
};

/// Removes and returns the queued library messages from NOTE up, oldest
/// first. DEBUG and UPDATE messages are dropped, except that the end of a libburn
/// write thread is counted (write_threads_ended()).
std::vector<LibraryMessage> take_messages();

/// How many libburn write threads this process has seen end so far, as
/// far as take_messages() has read the queue. A drive reads idle before
/// its write thread has finished with it; this is how to know it has.
std::uint64_t write_threads_ended();

/// libisofs's text for one of its error codes (or the code in hex).
std::string iso_error_text(int code);

/// Logs the queued messages (notes at DEBUG, the others at WARNING) and
/// returns the texts of those at error severity, for an error message.
std::vector<std::string> log_messages(core::Logger& log);

} // namespace cback::media
