#pragma once

// The mbox extension's last-run timestamp: a local naive
// datetime, stored as the original's Python pickle (protocol 0) so that
// state written by Cedar Backup is read and state written by cback is
// readable by it (docs/compatibility.md, "Legacy state files").

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

namespace cback::extend {

/// A local wall-clock time, as Python's naive datetime.
struct LocalTime {
  int year = 1970, month = 1, day = 1, hour = 0, minute = 0, second = 0, microsecond = 0;
  bool operator==(const LocalTime&) const = default;
};

/// `when` in the local time zone.
LocalTime local_time(std::chrono::system_clock::time_point when);

/// "YYYY-MM-DDTHH:MM:SS", as the original passes to grepmail's `since`.
std::string iso_text(const LocalTime& time);
/// "YYYYMMDD", as in the original's file names.
std::string date_text(const LocalTime& time);

/// working_dir/<normalized path>.mboxlast.
std::filesystem::path mbox_state_path(const std::filesystem::path& working_dir,
                                      const std::string& item);

/// The pickle bytes of `time`: exactly what Python 3's
/// pickle.dumps(datetime, 0, fix_imports=True) gives.
std::string pickle_datetime(const LocalTime& time);

/// Reads a pickled datetime (Python 3's `_codecs.encode` form or Python 2's
/// `S'…'` string form). Nothing when the bytes are not such a pickle.
std::optional<LocalTime> unpickle_datetime(const std::string& bytes);

/// The time in a state file; nothing when it is missing or unreadable.
std::optional<LocalTime> read_mbox_last(const std::filesystem::path& state);
/// Writes the state atomically. Throws Error(action) when it cannot.
void write_mbox_last(const std::filesystem::path& state, const LocalTime& time);

} // namespace cback::extend
