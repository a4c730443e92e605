#include <cback/media/replacement_image.hpp>

#include <cback/core/calendar.hpp>
#include <cback/core/error.hpp>
#include <cback/core/log.hpp>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace cback::media {
namespace {

constexpr std::string_view k_stdio = "stdio:";

[[noreturn]] void fail(std::string_view what, const std::filesystem::path& path) {
  throw Error(ExitCode::action,
              fmt::format("Error {} [{}]: {}", what, path.string(), std::strerror(errno)));
}

// libburn takes "-" and "/dev/fd/N" as an open descriptor, not a file.
bool is_descriptor_address(std::string_view path) {
  return path == "-" || path.starts_with("/dev/fd/");
}

} // namespace

std::optional<std::filesystem::path> replaceable_image_file(const std::string& device) {
  if (!device.starts_with(k_stdio)) {
    return std::nullopt;
  }
  const std::filesystem::path path = device.substr(k_stdio.size());
  if (is_descriptor_address(path.native()) || !path.is_absolute() || !path.has_filename()) {
    return std::nullopt;
  }
  struct stat info {};
  if (::stat(path.c_str(), &info) == 0) {
    return S_ISREG(info.st_mode) ? std::optional(path) : std::nullopt;
  }
  return errno == ENOENT ? std::optional(path) : std::nullopt;
}

std::string kept_image_name(const std::filesystem::path& image,
                            std::chrono::year_month_day week_start) {
  return fmt::format("{}-{}{}", image.stem().string(), core::date_text(week_start),
                     image.extension().string());
}

ReplacementImage::ReplacementImage(const std::filesystem::path& image, core::Logger& log)
    : m_image(image), m_name(image.filename().string()), m_partial(m_name + ".partial") {
  const std::filesystem::path dir = image.parent_path();
  m_dir.reset(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!m_dir) {
    fail("opening the directory of the image", dir);
  }
  remove_leftover(log);
  m_fd.reset(::openat(m_dir.get(), m_partial.c_str(),
                      O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!m_fd) {
    fail("creating the new image", dir / m_partial);
  }
  struct stat info {};
  if (::fstat(m_fd.get(), &info) != 0) {
    fail("reading the new image", dir / m_partial);
  }
  m_dev = info.st_dev;
  m_ino = info.st_ino;
}

ReplacementImage::~ReplacementImage() {
  if (!m_committed && m_fd && partial_is_ours()) {
    (void)::unlinkat(m_dir.get(), m_partial.c_str(), 0);
  }
}

// A .partial is what a killed write left (or what someone else put
// there): it is never an image anyone relies on. Unlinking removes a
// symlink itself, never its target.
void ReplacementImage::remove_leftover(core::Logger& log) {
  struct stat info {};
  if (::fstatat(m_dir.get(), m_partial.c_str(), &info, AT_SYMLINK_NOFOLLOW) != 0) {
    return;
  }
  if (::unlinkat(m_dir.get(), m_partial.c_str(), 0) != 0) {
    fail("removing the leftover", m_image.parent_path() / m_partial);
  }
  log.warning("Removed [{}], left by an interrupted write.",
              (m_image.parent_path() / m_partial).string());
}

bool ReplacementImage::partial_is_ours() const {
  struct stat info {};
  return ::fstatat(m_dir.get(), m_partial.c_str(), &info, AT_SYMLINK_NOFOLLOW) == 0 &&
         info.st_dev == m_dev && info.st_ino == m_ino;
}

std::string ReplacementImage::address() const {
  return fmt::format("stdio:/dev/fd/{}", m_fd.get());
}

std::string ReplacementImage::name() const {
  return std::string(k_stdio) + (m_image.parent_path() / m_partial).string();
}

void ReplacementImage::commit() {
  const std::filesystem::path partial = m_image.parent_path() / m_partial;
  // The old image's mode carries over only from a file of this user: in a
  // directory others can write, a file of theirs says nothing about who
  // may read the backup.
  struct stat old {};
  if (::fstatat(m_dir.get(), m_name.c_str(), &old, AT_SYMLINK_NOFOLLOW) == 0 &&
      S_ISREG(old.st_mode) && old.st_uid == ::geteuid() &&
      ::fchmod(m_fd.get(), old.st_mode & 0777) != 0) {
    fail("setting the mode of", partial);
  }
  if (::fsync(m_fd.get()) != 0) {
    fail("syncing", partial);
  }
  if (!partial_is_ours()) {
    throw Error(ExitCode::action,
                fmt::format("[{}] was replaced while the new image was written; [{}] is left "
                            "as it was.",
                            partial.string(), m_image.string()));
  }
  keep_old_image();
  if (::renameat(m_dir.get(), m_partial.c_str(), m_dir.get(), m_name.c_str()) != 0) {
    fail("renaming the new image", partial);
  }
  m_committed = true;
  if (::fsync(m_dir.get()) != 0) {
    fail("syncing the directory of", m_image);
  }
}

// The old image gets a second name first (a hard link), so that PATH
// names an image at every moment: the old one until the rename, the new
// one after. A filesystem without hard links gets a rename instead. Both
// refuse an existing name (EEXIST), so nothing is replaced to keep it.
void ReplacementImage::keep_old_image() {
  struct stat old {};
  if (!m_keep_as || ::fstatat(m_dir.get(), m_name.c_str(), &old, AT_SYMLINK_NOFOLLOW) != 0 ||
      old.st_size == 0) {
    return;
  }
  const std::filesystem::path kept(*m_keep_as);
  for (int number = 1; number < 100; ++number) {
    const std::string name = number == 1 ? kept.string()
                                         : fmt::format("{}-{}{}", kept.stem().string(), number,
                                                       kept.extension().string());
    if (::linkat(m_dir.get(), m_name.c_str(), m_dir.get(), name.c_str(), 0) == 0 ||
        ((errno == EPERM || errno == EOPNOTSUPP) &&
         ::renameat2(m_dir.get(), m_name.c_str(), m_dir.get(), name.c_str(), RENAME_NOREPLACE) ==
             0)) {
      m_kept = m_image.parent_path() / name;
      return;
    }
    if (errno != EEXIST) {
      fail("keeping the previous image as", m_image.parent_path() / name);
    }
  }
  throw Error(ExitCode::action,
              fmt::format("Cannot keep the previous image [{}]: [{}] and 98 numbered names "
                          "beside it are taken; [{}] is left as it was.",
                          m_image.string(), (m_image.parent_path() / kept).string(),
                          m_image.string()));
}

} // namespace cback::media
