#include <cback/restore/source.hpp>

#include <cback/core/beneath.hpp>
#include <cback/core/directory.hpp>
#include <cback/core/error.hpp>
#include <cback/core/field_escape.hpp>
#include <cback/core/unique_fd.hpp>

#include <fmt/format.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

// A staging tree belongs to the backup user, a copied tree to whoever
// copied it: a symbolic link inside may point anywhere. Every name is
// resolved one component at a time beneath its parent's fd
// (core::open_beneath), so no link is ever followed and nothing outside
// the root is read. Every open is read-only.

namespace cback::restore {
namespace {

namespace fs = std::filesystem;

std::vector<std::string_view> components(std::string_view path) {
  std::vector<std::string_view> parts;
  while (!path.empty()) {
    const auto slash = path.find('/');
    const auto part = path.substr(0, slash);
    if (!part.empty()) {
      parts.push_back(part);
    }
    if (slash == std::string_view::npos) {
      break;
    }
    path.remove_prefix(slash + 1);
  }
  return parts;
}

class DirectoryFile final : public SourceFile {
public:
  DirectoryFile(core::UniqueFd fd, std::uint64_t size, std::string name,
                std::atomic<std::uint64_t>& counter)
      : m_fd(std::move(fd)), m_size(size), m_name(std::move(name)), m_counter(counter) {}

  std::uint64_t size() const override { return m_size; }

  std::size_t read_at(std::uint64_t offset, std::span<std::byte> out) override {
    std::size_t done = 0;
    while (done < out.size()) {
      const ssize_t got = ::pread(m_fd.get(), out.data() + done, out.size() - done,
                                  static_cast<off_t>(offset + done));
      if (got < 0 && errno == EINTR) {
        continue;
      }
      if (got < 0) {
        throw Error(ExitCode::action,
                    fmt::format("Cannot read [{}]: {}", m_name, std::strerror(errno)));
      }
      if (got == 0) {
        break;
      }
      done += static_cast<std::size_t>(got);
    }
    m_counter += done;
    return done;
  }

private:
  core::UniqueFd m_fd;
  std::uint64_t m_size;
  std::string m_name;
  std::atomic<std::uint64_t>& m_counter;
};

class DirectorySource final : public Source {
public:
  explicit DirectorySource(const fs::path& root) : m_root(root) {
    // The root itself is named by the user and may be a link (a mount
    // point reached through one); what is below it is not trusted.
    m_root_fd.reset(::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!m_root_fd) {
      throw Error(ExitCode::action, fmt::format("Cannot open the directory [{}]: {}", root.string(),
                                                std::strerror(errno)));
    }
  }

  std::string describe() const override { return fmt::format("directory {}", m_root.string()); }

  std::vector<SourceEntry> list(std::string_view dir) const override {
    const auto fd = open_dir(dir);
    std::vector<SourceEntry> entries;
    if (!fd) {
      return entries;
    }
    const auto listed = core::list_names(fd.get());
    if (listed.error) {
      fail(dir, listed.error.message());
    }
    for (const auto& name : listed.names) {
      struct ::stat st {};
      if (::fstatat(fd.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
        continue; // gone since it was listed
      }
      SourceEntry entry{name, SourceEntryKind::other, 0};
      if (S_ISREG(st.st_mode)) {
        entry.kind = SourceEntryKind::file;
        entry.size = static_cast<std::uint64_t>(st.st_size);
      } else if (S_ISDIR(st.st_mode)) {
        entry.kind = SourceEntryKind::directory;
      }
      entries.push_back(std::move(entry));
    }
    return entries;
  }

  std::unique_ptr<SourceFile> open(std::string_view path) const override {
    auto parts = components(path);
    if (parts.empty()) {
      fail(path, "not a file");
    }
    const auto name = parts.back();
    const auto parent = path.substr(0, path.size() - name.size());
    const auto dir = open_dir(parent);
    if (!dir) {
      fail(path, "no such file");
    }
    auto fd = core::open_regular_beneath(dir.get(), name, O_RDONLY);
    if (!fd) {
      fail(path, fd.error().message());
    }
    struct ::stat st {};
    ::fstat(fd->get(), &st);
    return std::make_unique<DirectoryFile>(std::move(*fd), static_cast<std::uint64_t>(st.st_size),
                                           (m_root / std::string(path)).string(), m_bytes_read);
  }

  std::uint64_t bytes_read() const override { return m_bytes_read; }

private:
  // The directory `dir` beneath the root, each component opened beneath
  // the one before; an invalid fd when a component is missing. A link or a
  // file on the way is an error: the tree is not laid out as it should be.
  core::UniqueFd open_dir(std::string_view dir) const {
    core::UniqueFd fd(::fcntl(m_root_fd.get(), F_DUPFD_CLOEXEC, 0));
    for (const auto part : components(dir)) {
      core::UniqueFd next = core::open_beneath(fd.get(), part, O_RDONLY | O_DIRECTORY | O_NONBLOCK);
      if (!next) {
        if (errno == ENOENT) {
          return {};
        }
        fail(dir, errno == ELOOP ? std::string("a symbolic link on the way is not followed")
                                 : std::string(std::strerror(errno)));
      }
      fd = std::move(next);
    }
    return fd;
  }

  [[noreturn]] void fail(std::string_view path, const std::string& why) const {
    throw Error(ExitCode::action, fmt::format("Cannot read [{}] of the {}: {}",
                                              core::escape_field(path), describe(), why));
  }

  fs::path m_root;
  core::UniqueFd m_root_fd;
  mutable std::atomic<std::uint64_t> m_bytes_read{0};
};

} // namespace

std::unique_ptr<Source> open_directory_source(const std::filesystem::path& root) {
  return std::make_unique<DirectorySource>(root);
}

} // namespace cback::restore
