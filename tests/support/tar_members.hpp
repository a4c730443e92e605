#pragma once

// Reading back a tar archive that cback wrote (any compression), with
// libarchive.

#include <catch2/catch.hpp>

#include <archive.h>
#include <archive_entry.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace cback::test {

/// One member of a tar archive.
struct TarMember {
  std::string name;    ///< as stored: no leading '/'; a directory's may end in '/'
  std::string content; ///< a regular file's bytes; empty for the other kinds
  bool operator==(const TarMember&) const = default;
};

/// The members of the archive `tar`, in the order stored.
inline std::vector<TarMember> tar_members(const std::filesystem::path& tar) {
  const std::unique_ptr<archive, decltype(&archive_read_free)> reader(archive_read_new(),
                                                                      &archive_read_free);
  archive_read_support_filter_all(reader.get());
  archive_read_support_format_all(reader.get());
  REQUIRE(archive_read_open_filename(reader.get(), tar.c_str(), 1 << 16) == ARCHIVE_OK);
  std::vector<TarMember> members;
  archive_entry* entry = nullptr;
  int status = ARCHIVE_OK;
  while ((status = archive_read_next_header(reader.get(), &entry)) == ARCHIVE_OK) {
    TarMember member{archive_entry_pathname(entry), {}};
    char chunk[1 << 16];
    la_ssize_t read = 0;
    while ((read = archive_read_data(reader.get(), chunk, sizeof chunk)) > 0) {
      member.content.append(chunk, static_cast<std::size_t>(read));
    }
    REQUIRE(read == 0);
    members.push_back(std::move(member));
  }
  CHECK(status == ARCHIVE_EOF);
  return members;
}

} // namespace cback::test
