#pragma once

#include <string>
#include <sys/types.h>
#include <vector>

namespace cback::cli {

/// The switches and actions of one invocation (man page, reference §2.1).
struct Options {
  bool help = false;         ///< -h --help
  bool version = false;      ///< -V --version
  bool verbose = false;      ///< -b --verbose
  bool quiet = false;        ///< -q --quiet
  std::string config = "/etc/cback.conf"; ///< -c --config
  bool full = false;         ///< -f --full
  bool managed = false;      ///< -M --managed
  bool managed_only = false; ///< -N --managed-only
  std::string logfile = "/var/log/cback.log"; ///< -l --logfile
  std::string owner_user = "root";  ///< -o --owner user:group
  std::string owner_group = "adm";
  mode_t mode = 0640;        ///< -m --mode (octal)
  bool output = false;       ///< -O --output
  bool debug = false;        ///< -d --debug (implies output)
  bool stack = false;        ///< -s --stack
  bool diagnostics = false;  ///< -D --diagnostics
  std::vector<std::string> actions; ///< in command-line order, duplicates kept
};

} // namespace cback::cli
