#pragma once

// The fit ("knapsack") algorithms of cback-span (docs/compatibility.md, "cback-span"), exactly
// as the original's knapsack module: each walks its own ordering of the
// items, skips any item that would exceed the remaining capacity, and
// stops as soon as the capacity is met exactly. Spanning applies the
// algorithm again and again to what is left, one disc per pass.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cback::span {

enum class Algorithm {
  first,    ///< the items in their given order
  best,     ///< largest first
  worst,    ///< smallest first
  alternate ///< smallest and largest alternately
};

/// "first", "best", "worst" or "alternate" (also with a "_fit" suffix, the
/// original's internal names); nullopt for anything else.
std::optional<Algorithm> algorithm_named(std::string_view name);

/// "first", "best", "worst", "alternate".
std::string_view name_of(Algorithm algorithm);

/// A file to place: its name (any key) and size in bytes (0 for a symlink).
struct Item {
  std::string name;
  std::int64_t size = 0;
  bool operator==(const Item&) const = default;
};

/// What one pass chose: indices into the items, in the order they were
/// taken, and the bytes they use.
struct Fit {
  std::vector<std::size_t> chosen;
  std::int64_t used = 0;
};

/// One pass of `algorithm` over `items` into `capacity` bytes. The
/// capacity is a real number as in the original (a cushion makes it
/// fractional), which matters only for zero-sized items. Sorting is
/// stable: items of equal size keep their given order.
Fit fit(Algorithm algorithm, const std::vector<Item>& items, double capacity);

/// One disc of a span.
struct Disc {
  std::vector<Item> items; ///< in the order the algorithm took them
  std::int64_t size = 0;
  double utilization = 0.0; ///< percent of the capacity
};

/// Splits `items` across discs of `capacity` bytes. Throws
/// cback::Error(action) naming the first item larger than the capacity.
std::vector<Disc> span(std::vector<Item> items, double capacity, Algorithm algorithm);

/// The capacity left once `cushion` percent is set aside:
/// capacity × (100 − cushion) / 100.
double real_capacity(std::int64_t capacity, double cushion);

/// The original's estimate of the discs needed: total / real + 1,
/// truncated.
std::int64_t minimum_discs(std::int64_t total, double real);

} // namespace cback::span
