#pragma once

// The image source of cback-bench burn, for src/media only: the tree of a
// generated or real staging directory added to an IsoImage with its own
// IsoStreams, whose reads pass through a SourceGate (stalls, a slow
// source). libisofs reads them from its writer thread, in front of the
// FIFO, exactly where a slow disk would be felt.

#include <cback/media/libraries.hpp>
#include <cback/media/throttle_session.hpp>

#include <memory>

namespace cback::media {

/// Adds the tree of `source` to the root of `image`. Throws
/// cback::Error(action) naming the file that cannot be added.
void add_bench_tree(IsoImage* image, const BenchSource& source,
                    const std::shared_ptr<SourceGate>& gate);

} // namespace cback::media
