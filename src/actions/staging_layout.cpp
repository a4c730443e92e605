#include <cback/actions/staging_layout.hpp>

#include <cback/core/error.hpp>
#include <cback/core/unique_fd.hpp>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <vector>

namespace cback::actions {

namespace fs = std::filesystem;

std::string graft_point(std::chrono::year_month_day day) {
  return fmt::format("{:04}/{:02}/{:02}", static_cast<int>(day.year()),
                     static_cast<unsigned>(day.month()), static_cast<unsigned>(day.day()));
}

fs::path daily_dir(const fs::path& root, std::chrono::year_month_day day) {
  return root / graft_point(day);
}

namespace {

[[noreturn]] void cannot_create(const fs::path& dir, std::string_view why) {
  throw Error(ExitCode::action,
              fmt::format("Unable to create staging directory [{}]: {}", dir.string(), why));
}

// Opens `name` beneath `parent`, a directory and not a link to one.
core::UniqueFd open_beneath(int parent, const fs::path& name, const fs::path& shown) {
  core::UniqueFd fd(
      ::openat(parent, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd) {
    const int error = errno;
    // O_DIRECTORY|O_NOFOLLOW refuses a link with ENOTDIR or ELOOP: say which.
    struct ::stat info {};
    if (::fstatat(parent, name.c_str(), &info, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(info.st_mode)) {
      cannot_create(shown, "it is a symbolic link; not writing through it");
    }
    cannot_create(shown, error == ENOTDIR ? std::string("it is not a directory")
                                          : std::string(std::strerror(error)));
  }
  return fd;
}

} // namespace

bool make_staging_dir(const fs::path& dir, std::size_t levels) {
  fs::path root = dir;
  while (!root.has_filename() && root.has_relative_path()) {
    root = root.parent_path(); // a trailing slash
  }
  std::vector<fs::path> names;
  for (std::size_t i = 0; i < levels && root.has_relative_path(); ++i) {
    names.insert(names.begin(), root.filename());
    root = root.parent_path();
  }
  if (root.empty()) {
    root = ".";
  }
  std::error_code error;
  fs::create_directories(root, error);
  if (error) {
    cannot_create(root, error.message());
  }
  core::UniqueFd parent(::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!parent) {
    cannot_create(root, std::strerror(errno));
  }
  fs::path shown = root;
  bool made = false;
  for (const auto& name : names) {
    shown /= name;
    made = ::mkdirat(parent.get(), name.c_str(), 0777) == 0;
    if (!made && errno != EEXIST) {
      cannot_create(shown, std::strerror(errno));
    }
    parent = open_beneath(parent.get(), name, shown);
  }
  return made;
}

} // namespace cback::actions
