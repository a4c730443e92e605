// A restore source on a disc image file or a disc in a drive: the newest
// session's tree through media::ImageTree, each file read straight from
// its extents in the image with pread, so that reading part of one file of
// a large archive reads that part and nothing else.

#include <cback/restore/source.hpp>

#include <cback/core/error.hpp>
#include <cback/core/log.hpp>
#include <cback/media/image_tree.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <unistd.h>

namespace cback::restore {
namespace {

constexpr std::string_view k_stdio = "stdio:";

/// What the tree and its open files share; files may outlive the source.
struct Image {
  std::unique_ptr<media::ImageTree> tree;
  std::atomic<std::uint64_t> bytes_read{0};
};

class ImageFile final : public SourceFile {
public:
  ImageFile(std::shared_ptr<Image> image, std::string path, media::TreeFile file)
      : m_image(std::move(image)), m_path(std::move(path)), m_file(std::move(file)) {}

  std::uint64_t size() const override { return m_file.size; }

  std::size_t read_at(std::uint64_t offset, std::span<std::byte> out) override {
    std::size_t done = 0;
    std::uint64_t skip = offset;
    for (const media::Extent& extent : m_file.extents) {
      if (done == out.size()) {
        break;
      }
      if (skip >= extent.length) {
        skip -= extent.length;
        continue;
      }
      const std::uint64_t want = std::min<std::uint64_t>(extent.length - skip, out.size() - done);
      read_exactly(extent.offset + skip, out.subspan(done, want), offset + done);
      done += want;
      skip = 0;
    }
    return done;
  }

private:
  /// Reads all of `out` at `at` in the image; `file_offset` is where that
  /// is in the file, for the message.
  void read_exactly(std::uint64_t at, std::span<std::byte> out, std::uint64_t file_offset) {
    std::size_t got = 0;
    while (got < out.size()) {
      const ssize_t n = ::pread(m_image->tree->fd(), out.data() + got, out.size() - got,
                                static_cast<off_t>(at + got));
      if (n < 0 && errno == EINTR) {
        continue;
      }
      if (n <= 0) {
        const std::string why = n < 0 ? std::strerror(errno) : "the image ends there (truncated?)";
        throw Error(ExitCode::action,
                    fmt::format("Cannot read [{}] from the image [{}] at byte {}: {}", m_path,
                                m_image->tree->name(), file_offset + got, why));
      }
      got += static_cast<std::size_t>(n);
      m_image->bytes_read += static_cast<std::uint64_t>(n);
    }
  }

  std::shared_ptr<Image> m_image;
  std::string m_path;
  media::TreeFile m_file;
};

class ImageSource final : public Source {
public:
  explicit ImageSource(std::shared_ptr<Image> image) : m_image(std::move(image)) {}

  std::string describe() const override { return "image " + m_image->tree->name(); }

  std::vector<SourceEntry> list(std::string_view dir) const override {
    return m_image->tree->list(std::string(dir)).value_or(std::vector<SourceEntry>{});
  }

  std::unique_ptr<SourceFile> open(std::string_view path) const override {
    std::string name(path);
    media::TreeFile file = m_image->tree->file(name);
    return std::make_unique<ImageFile>(m_image, std::move(name), std::move(file));
  }

  std::uint64_t bytes_read() const override { return m_image->bytes_read.load(); }

  std::optional<media::Md5> recorded_md5(std::string_view path) const override {
    return m_image->tree->recorded_md5(std::string(path));
  }

private:
  std::shared_ptr<Image> m_image;
};

} // namespace

std::unique_ptr<Source> open_image_source(std::string_view target) {
  if (target.starts_with(k_stdio)) {
    target.remove_prefix(k_stdio.size());
  }
  if (target.empty()) {
    throw Error(ExitCode::action, "No image or disc device given to read from.");
  }
  // libisoburn's notes and warnings about the image are of no use to a
  // restore; its errors are in the exception.
  core::Logger quiet;
  auto image = std::make_shared<Image>();
  image->tree = media::ImageTree::open(std::filesystem::path(target), quiet);
  return std::make_unique<ImageSource>(std::move(image));
}

} // namespace cback::restore
