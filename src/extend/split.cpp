#include <cback/extend/split.hpp>

#include <cback/context.hpp>
#include <cback/core/atomic_file.hpp>
#include <cback/core/error.hpp>
#include <cback/core/unique_fd.hpp>
#include <cback/extend/staged_files.hpp>

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace cback::extend {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view k_indicator = "cback.split";
// Five decimal digits, as the original's `split --suffix-length=5`.
constexpr std::uint64_t k_max_pieces = 100'000;
constexpr std::size_t k_buffer_size = std::size_t{1} << 20;

[[noreturn]] void fail(const fs::path& file, std::string_view what) {
  throw Error(ExitCode::action, fmt::format("Error splitting [{}]: {}", file.string(), what));
}

// Copies the next `length` bytes of `source` into `piece`.
void copy_piece(int source, core::AtomicFile& piece, std::uint64_t length, std::string& buffer,
                const fs::path& file) {
  while (length > 0) {
    const std::size_t want =
        static_cast<std::size_t>(std::min<std::uint64_t>(length, buffer.size()));
    const ssize_t got = ::read(source, buffer.data(), want);
    if (got < 0 && errno == EINTR) {
      continue;
    }
    if (got <= 0) {
      fail(file, got == 0 ? "file shrank while being split" : std::strerror(errno));
    }
    piece.write(std::string_view(buffer.data(), static_cast<std::size_t>(got)));
    length -= static_cast<std::uint64_t>(got);
  }
}

void remove_pieces(const std::vector<fs::path>& pieces) {
  for (const auto& piece : pieces) {
    std::error_code ignored;
    fs::remove(piece, ignored);
  }
}

std::uint64_t piece_size_of(const config::SplitConfig& split) {
  const double bytes = split.split_size.bytes;
  if (bytes < 1.0) {
    throw Error(ExitCode::action,
                fmt::format("Split size [{}] is smaller than one byte.", split.split_size.text));
  }
  return static_cast<std::uint64_t>(bytes);
}

// Splits the files of one daily directory that are over the limit, each
// original removed once all its pieces are complete.
void split_daily_dir(Context& context, const fs::path& daily_dir, const core::Outputs& outputs) {
  const auto& split = *context.config.split;
  const std::uint64_t piece_size = piece_size_of(split);
  context.log.debug("Begin splitting contents of [{}].", daily_dir.string());
  for (const auto& file : staged_files(daily_dir)) {
    std::error_code error;
    const auto size = fs::file_size(file, error);
    if (error) {
      fail(file, error.message());
    }
    if (static_cast<double>(size) <= split.size_limit.bytes) {
      continue;
    }
    const auto pieces = split_file(file, piece_size, context.stop);
    for (const auto& piece : pieces) {
      outputs.own(piece, context.log);
    }
    if (!fs::remove(file, error) || error) {
      fail(file, "cannot remove the file after splitting it: " + error.message());
    }
    context.log.info("Split [{}] into {} pieces.", file.string(), pieces.size());
  }
  context.log.debug("Completed splitting contents of [{}].", daily_dir.string());
}

} // namespace

fs::path piece_path(const fs::path& file, std::size_t index) {
  return fs::path(fmt::format("{}_{:05}", file.string(), index));
}

std::vector<fs::path> split_file(const fs::path& file, std::uint64_t piece_size,
                                 const core::StopFlag& stop) {
  // The staging dir belongs to the backup user: a staged file replaced by
  // a link (to /etc/shadow, say) must not be read into pieces it can read.
  core::UniqueFd source(::open(file.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
  if (!source) {
    fail(file, errno == ELOOP ? "it is a symbolic link" : std::strerror(errno));
  }
  struct stat info {};
  if (::fstat(source.get(), &info) != 0) {
    fail(file, std::strerror(errno));
  }
  if (!S_ISREG(info.st_mode)) {
    fail(file, "it is not a regular file");
  }
  const auto size = static_cast<std::uint64_t>(info.st_size);
  const std::uint64_t count = (size + piece_size - 1) / piece_size;
  if (count > k_max_pieces) {
    fail(file,
         fmt::format("{} pieces would be needed, at most {} are possible", count, k_max_pieces));
  }
  std::vector<fs::path> pieces;
  std::string buffer(k_buffer_size, '\0');
  try {
    for (std::uint64_t index = 0; index < count; ++index) {
      stop.check();
      core::AtomicFile piece(piece_path(file, index));
      copy_piece(source.get(), piece, std::min(piece_size, size - index * piece_size), buffer,
                 file);
      piece.commit();
      pieces.push_back(piece.path());
    }
  } catch (...) {
    remove_pieces(pieces);
    throw;
  }
  return pieces;
}

void run_split(Context& context) {
  const auto& config = context.config;
  if (!config.options || !config.stage || !config.split) {
    throw Error(ExitCode::action,
                "Extension [split] needs the [options], [stage] and [split] sections.");
  }
  const core::Outputs& outputs = context.outputs.get();
  for (const auto& daily_dir :
       unprocessed_daily_dirs(config.stage->staging_dir, k_indicator, context.log)) {
    split_daily_dir(context, daily_dir, outputs);
    outputs.write_indicator(daily_dir / k_indicator, context.log);
  }
  context.log.info("Executed the split extended action successfully.");
}

} // namespace cback::extend
