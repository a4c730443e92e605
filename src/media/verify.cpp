#include <cback/media/verify.hpp>

#include <cback/core/error.hpp>
#include <cback/core/log.hpp>
#include <cback/core/unique_fd.hpp>
#include <cback/media/iso_image.hpp>
#include <cback/media/library.hpp>
#include <cback/media/md5.hpp>

#include <fmt/format.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>
#include <vector>

namespace cback::media {
namespace {

namespace fs = std::filesystem;
constexpr std::size_t k_chunk = 256 * 1024;

std::optional<Md5> md5_of_local(const fs::path& path) {
  core::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) {
    return std::nullopt;
  }
  Md5Context md5;
  std::vector<char> buffer(k_chunk);
  for (;;) {
    const ssize_t got = ::read(fd.get(), buffer.data(), buffer.size());
    if (got < 0 && errno == EINTR) {
      continue;
    }
    if (got < 0) {
      return std::nullopt;
    }
    if (got == 0) {
      break;
    }
    md5.add(buffer.data(), static_cast<std::size_t>(got));
  }
  return md5.finish();
}

struct DiscFile {
  std::optional<Md5> content;  ///< MD5 of what was read back
  std::optional<Md5> recorded; ///< MD5 the image recorded
  std::int64_t bytes = 0;
};

DiscFile read_disc_file(IsoImage* image, IsoFile* file) {
  DiscFile result;
  Md5 recorded{};
  if (iso_file_get_md5(image, file, recorded.data(), 0) == 1) {
    result.recorded = recorded;
  }
  IsoStream* stream = iso_file_get_stream(file);
  if (iso_stream_open(stream) < 0) {
    return result;
  }
  Md5Context md5;
  std::vector<char> buffer(k_chunk);
  bool failed = false;
  for (;;) {
    const int got = iso_stream_read(stream, buffer.data(), buffer.size());
    if (got < 0) {
      failed = true;
      break;
    }
    if (got == 0) {
      break;
    }
    md5.add(buffer.data(), static_cast<std::size_t>(got));
    result.bytes += got;
  }
  iso_stream_close(stream);
  if (!failed) {
    result.content = md5.finish();
  }
  return result;
}

/// Regular files and symlinks below `root`, by relative path; symlinks
/// have no content to compare (false).
std::map<std::string, bool> staged_files(const fs::path& root) {
  std::map<std::string, bool> files;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (entry.is_symlink()) {
      files[entry.path().lexically_relative(root).string()] = false;
    } else if (entry.is_regular_file()) {
      files[entry.path().lexically_relative(root).string()] = true;
    }
  }
  return files;
}

void compare_graft(IsoImage* image, const Graft& graft, VerifyReport& report,
                   std::vector<std::string>& problems) {
  const auto on_disc = files_below(image, graft.graft_point);
  const auto staged = staged_files(graft.source);
  for (const auto& [name, has_content] : staged) {
    const std::string shown = graft.graft_point + "/" + name;
    const auto found = on_disc.find(name);
    if (found == on_disc.end()) {
      problems.push_back(fmt::format("[{}] is missing on the disc", shown));
      continue;
    }
    if (!has_content || found->second == nullptr) {
      continue;
    }
    const DiscFile disc = read_disc_file(image, found->second);
    const auto local = md5_of_local(graft.source / name);
    ++report.files;
    report.bytes += disc.bytes;
    if (!disc.content) {
      problems.push_back(fmt::format("[{}] cannot be read from the disc", shown));
    } else if (!disc.recorded || *disc.recorded != *disc.content) {
      problems.push_back(fmt::format("[{}] does not match its recorded MD5", shown));
    } else if (!local || *local != *disc.content) {
      problems.push_back(fmt::format("[{}] differs from the staged file", shown));
    }
  }
  for (const auto& [name, file] : on_disc) {
    if (!staged.contains(name)) {
      problems.push_back(
          fmt::format("[{}/{}] is on the disc but not staged", graft.graft_point, name));
    }
  }
}

/// Reads the session's blocks and compares their MD5 with the session tag.
/// False when the image has no tag; throws when the tag does not match.
bool check_session_md5(Drive& drive, IsoImage* image) {
  uint32_t start = 0;
  uint32_t end = 0;
  Md5 tag{};
  if (iso_image_get_session_md5(image, &start, &end, tag.data(), 0) != 1) {
    return false;
  }
  Md5Context md5;
  std::vector<char> buffer(k_chunk);
  constexpr std::int64_t k_block = 2048;
  for (std::int64_t at = std::int64_t{start} * k_block; at < std::int64_t{end} * k_block;) {
    const auto size = std::min<std::int64_t>(static_cast<std::int64_t>(buffer.size()),
                                             std::int64_t{end} * k_block - at);
    off_t count = 0;
    if (burn::burn_read_data(drive.handle(), at, buffer.data(), size, &count, 0) <= 0) {
      throw Error(
          ExitCode::action,
          fmt::format("Cannot read the session back from [{}] at byte {}.", drive.name(), at));
    }
    md5.add(buffer.data(), static_cast<std::size_t>(size));
    at += size;
  }
  if (md5.finish() != tag) {
    throw Error(ExitCode::action,
                fmt::format("The session on [{}] does not match its recorded MD5 (blocks {}..{}).",
                            drive.name(), start, end));
  }
  return true;
}

std::string joined(const std::vector<std::string>& problems) {
  std::string text;
  for (const auto& problem : problems) {
    text += text.empty() ? problem : "; " + problem;
  }
  return text;
}

} // namespace

VerifyReport verify_session(const std::string& address, const std::vector<Graft>& grafts,
                            core::Logger& log, const std::string& name) {
  Drive drive = Drive::grab(address, Grab::as_is, name);
  IsoImageRef image = load_image(drive, log);
  VerifyReport report;
  std::vector<std::string> problems;
  for (const auto& graft : grafts) {
    compare_graft(image.get(), graft, report, problems);
  }
  log_messages(log);
  if (!problems.empty()) {
    throw Error(ExitCode::action, fmt::format("Consistency check of [{}] failed: {}", drive.name(),
                                              joined(problems)));
  }
  report.session_md5 = check_session_md5(drive, image.get());
  return report;
}

} // namespace cback::media
