#include <cback/span/fit.hpp>

#include <cback/core/error.hpp>
#include <cback/core/progress.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>

namespace cback::span {
namespace {

// The order in which an algorithm looks at the items. Python's sort is
// stable, with reverse=True too, so equal sizes keep their given order.
std::vector<std::size_t> ordered(const std::vector<Item>& items, Algorithm algorithm) {
  std::vector<std::size_t> order(items.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  if (algorithm == Algorithm::best) {
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return items[a].size > items[b].size; });
  } else if (algorithm != Algorithm::first) {
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return items[a].size < items[b].size; });
  }
  return order;
}

// Takes the item when it fits what remains.
void consider(const std::vector<Item>& items, std::size_t index, double& remaining, Fit& result) {
  const auto size = static_cast<double>(items[index].size);
  if (remaining - size >= 0) {
    result.chosen.push_back(index);
    result.used += items[index].size;
    remaining -= size;
  }
}

// first, best and worst: one walk, stopping when the capacity is met.
Fit linear_fit(const std::vector<Item>& items, const std::vector<std::size_t>& order,
               double capacity) {
  Fit result;
  double remaining = capacity;
  for (const std::size_t index : order) {
    if (remaining == 0) {
      break;
    }
    consider(items, index, remaining, result);
  }
  return result;
}

// alternate: the smaller half from its start, the larger half from its
// end, one of each per round; the end test is only made between rounds.
Fit alternate_fit(const std::vector<Item>& items, const std::vector<std::size_t>& order,
                  double capacity) {
  const std::size_t half = order.size() / 2;
  const std::vector<std::size_t> front(order.begin(), order.begin() + static_cast<long>(half));
  std::vector<std::size_t> back(order.begin() + static_cast<long>(half), order.end());
  std::reverse(back.begin(), back.end());
  Fit result;
  double remaining = capacity;
  std::size_t i = 0;
  std::size_t j = 0;
  while (remaining > 0 && (i < front.size() || j < back.size())) {
    if (i < front.size()) {
      consider(items, front[i++], remaining, result);
    }
    if (j < back.size()) {
      consider(items, back[j++], remaining, result);
    }
  }
  return result;
}

} // namespace

std::optional<Algorithm> algorithm_named(std::string_view name) {
  if (name.ends_with("_fit")) {
    name.remove_suffix(4);
  }
  for (const Algorithm algorithm :
       {Algorithm::first, Algorithm::best, Algorithm::worst, Algorithm::alternate}) {
    if (name == name_of(algorithm)) {
      return algorithm;
    }
  }
  return std::nullopt;
}

std::string_view name_of(Algorithm algorithm) {
  switch (algorithm) {
  case Algorithm::first:
    return "first";
  case Algorithm::best:
    return "best";
  case Algorithm::worst:
    return "worst";
  case Algorithm::alternate:
    return "alternate";
  }
  return "worst";
}

Fit fit(Algorithm algorithm, const std::vector<Item>& items, double capacity) {
  const auto order = ordered(items, algorithm);
  return algorithm == Algorithm::alternate ? alternate_fit(items, order, capacity)
                                           : linear_fit(items, order, capacity);
}

std::vector<Disc> span(std::vector<Item> items, double capacity, Algorithm algorithm) {
  for (const auto& item : items) {
    if (static_cast<double>(item.size) > capacity) {
      throw Error(ExitCode::action, fmt::format("File [{}] cannot fit in capacity {}.", item.name,
                                                core::display_bytes(capacity)));
    }
  }
  std::vector<Disc> discs;
  while (!items.empty()) {
    const Fit pass = fit(algorithm, items, capacity);
    if (pass.chosen.empty()) {
      throw Error(ExitCode::action,
                  fmt::format("After disc {}, unable to add any new items.", discs.size()));
    }
    Disc disc;
    std::vector<bool> taken(items.size(), false);
    for (const std::size_t index : pass.chosen) {
      disc.items.push_back(items[index]);
      taken[index] = true;
    }
    disc.size = pass.used;
    disc.utilization = static_cast<double>(pass.used) / capacity * 100.0;
    discs.push_back(std::move(disc));
    std::vector<Item> left;
    for (std::size_t index = 0; index < items.size(); ++index) {
      if (!taken[index]) {
        left.push_back(std::move(items[index]));
      }
    }
    items = std::move(left);
  }
  return discs;
}

double real_capacity(std::int64_t capacity, double cushion) {
  return ((100.0 - cushion) / 100.0) * static_cast<double>(capacity);
}

std::int64_t minimum_discs(std::int64_t total, double real) {
  return static_cast<std::int64_t>(static_cast<double>(total) / real + 1.0);
}

} // namespace cback::span
