#pragma once

namespace cback::core {

/// What the command line asks of every action, apart from the actions
/// themselves. `cli` fills it from its switches; nothing below `cli` sees
/// the switches.
enum class Full : bool { no, yes }; ///< --full on the command line

struct RunFlags {
  Full full = Full::no;  ///< -f: full backups, whatever the day
  bool quiet = false;    ///< -q: nothing on the terminal but errors
  bool verbose = false;  ///< -b: more on the terminal (passed on to the Python bridge)
  bool progress = false; ///< progress lines on stdout: not quiet, and stdout is a terminal
  bool offline = false;  ///< --offline: validate reaches no peer and runs no program
};

} // namespace cback::core
