#pragma once

// libisoburn/libburn option objects of one session write, for src/media
// only: the session's writer (session.cpp) and the image size check.

#include <cback/media/drive.hpp>
#include <cback/media/libraries.hpp>
#include <cback/media/session.hpp>

#include <cstdint>
#include <memory>

namespace cback::media {

struct ImgenOptsDeleter {
  void operator()(burn::isoburn_imgen_opts* opts) const { burn::isoburn_igopt_destroy(&opts, 0); }
};
using ImgenOpts = std::unique_ptr<burn::isoburn_imgen_opts, ImgenOptsDeleter>;

struct DiscDeleter {
  void operator()(burn::burn_disc* disc) const { burn::burn_disc_free(disc); }
};
using Disc = std::unique_ptr<burn::burn_disc, DiscDeleter>;

struct WriteOptsDeleter {
  void operator()(burn::burn_write_opts* opts) const { burn::burn_write_opts_free(opts); }
};
using WriteOpts = std::unique_ptr<burn::burn_write_opts, WriteOptsDeleter>;

/// Rock Ridge, Joliet, ISO level 3, session and per-file MD5s (AAIP), and a
/// FIFO of effective_fifo_size(fifo_size) bytes. `size_only`: the
/// image will be cancelled after its size is known.
ImgenOpts image_options(std::int64_t fifo_size, bool size_only);

/// TAO for `WriteType::tao`, libburn's choice otherwise; `multi` keeps a
/// sequential medium appendable. Throws cback::Error naming the drive when
/// no write mode suits the medium.
WriteOpts write_options(Drive& drive, burn::burn_disc* disc, WriteType type, bool multi);

} // namespace cback::media
