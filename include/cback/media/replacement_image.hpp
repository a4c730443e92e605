#pragma once

// A new image for a stdio: image file, written beside the old one and
// renamed over it only once complete (docs/ARCHITECTURE.md, "The media
// layer"). Starting a new disc on an image file therefore never destroys
// the previous image: a write that fails, is interrupted or is killed
// leaves the old image as it was.
//
// The image's directory may be writable by others, so the new file
// (NAME.partial) is created beneath a directory fd with O_EXCL and
// O_NOFOLLOW and handed to libburn as "stdio:/dev/fd/N": no path is
// followed after the file was created.

#include <cback/core/unique_fd.hpp>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <sys/types.h>

namespace cback::core {
class Logger;
}

namespace cback::media {

/// The image file of `device` when it is "stdio:PATH" and PATH is a
/// regular file or does not exist yet (a new image can be renamed into
/// place); nullopt for drives, devices, pipes and libburn's "/dev/fd/N"
/// and "-", which are written in place.
std::optional<std::filesystem::path> replaceable_image_file(const std::string& device);

/// The name an image replaced by a new disc is kept under: its file name
/// with the start of the week it holds ("disc.iso" and 2026-11-23 give
/// "disc-2026-11-23.iso", what "disc-{week}.iso" names that week's image).
std::string kept_image_name(const std::filesystem::path& image,
                            std::chrono::year_month_day week_start);

class ReplacementImage {
public:
  /// Creates `image`.partial beside `image` (mode 0600), first removing a
  /// .partial left by an interrupted write (logged). Throws
  /// cback::Error(action) naming the file when it cannot.
  ReplacementImage(const std::filesystem::path& image, core::Logger& log);
  /// Removes the .partial unless commit() succeeded.
  ~ReplacementImage();
  ReplacementImage(const ReplacementImage&) = delete;
  ReplacementImage& operator=(const ReplacementImage&) = delete;
  ReplacementImage(ReplacementImage&&) = delete;
  ReplacementImage& operator=(ReplacementImage&&) = delete;

  /// The libburn address of the new file ("stdio:/dev/fd/N"), valid while
  /// this object lives.
  [[nodiscard]] std::string address() const;
  /// The name messages show: "stdio:" and the .partial path.
  [[nodiscard]] std::string name() const;
  [[nodiscard]] const std::filesystem::path& image() const noexcept { return m_image; }

  /// Makes the new file the image: gives it the old image's permission
  /// bits (when the old image is a regular file owned by this user),
  /// fsyncs it, checks that NAME.partial is still this file, renames it
  /// over NAME and fsyncs the directory. Throws cback::Error(action); the
  /// old image is then unchanged unless the rename itself happened.
  void commit();

  /// Makes commit() keep the image it replaces, under `name` in the same
  /// directory (kept_image_name()), or "-2", "-3", ... before its
  /// extension when that name is taken: no file is ever replaced to keep
  /// one. Nothing is kept when there is no old image or it is empty.
  void keep_previous(std::string name) { m_keep_as = std::move(name); }
  /// Where commit() kept the previous image, if it did.
  [[nodiscard]] const std::optional<std::filesystem::path>& kept() const noexcept { return m_kept; }

private:
  void remove_leftover(core::Logger& log);
  [[nodiscard]] bool partial_is_ours() const;
  void keep_old_image();

  std::filesystem::path m_image;
  std::string m_name;    ///< NAME
  std::string m_partial; ///< NAME.partial
  core::UniqueFd m_dir;
  core::UniqueFd m_fd;
  dev_t m_dev = 0;
  ino_t m_ino = 0;
  bool m_committed = false;
  std::optional<std::string> m_keep_as;
  std::optional<std::filesystem::path> m_kept;
};

} // namespace cback::media
