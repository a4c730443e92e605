// The fit algorithms against results computed with the original's
// knapsack module on the same items (a=5 b=3 c=8 d=3 e=1 f=6 g=0).

#include <cback/core/error.hpp>
#include <cback/span/fit.hpp>

#include <catch2/catch.hpp>

#include <string>
#include <vector>

namespace span = cback::span;
using span::Algorithm;

namespace {

std::vector<span::Item> sample() {
  return {{"a", 5}, {"b", 3}, {"c", 8}, {"d", 3}, {"e", 1}, {"f", 6}, {"g", 0}};
}

std::string names(const std::vector<span::Item>& items, const span::Fit& result) {
  std::string text;
  for (const std::size_t index : result.chosen) {
    text += items[index].name;
  }
  return text;
}

std::string names(const span::Disc& disc) {
  std::string text;
  for (const auto& item : disc.items) {
    text += item.name;
  }
  return text;
}

std::vector<std::string> discs(Algorithm algorithm, double capacity) {
  std::vector<std::string> out;
  for (const auto& disc : span::span(sample(), capacity, algorithm)) {
    out.push_back(names(disc));
  }
  return out;
}

} // namespace

TEST_CASE("First fit walks the given order and stops when the capacity is met exactly",
          "[span][fit]") {
  const auto items = sample();
  const auto ten = span::fit(Algorithm::first, items, 10);
  CHECK(names(items, ten) == "abeg");
  CHECK(ten.used == 9);
  // a+b+d+e is exactly 12: the zero-sized g is never looked at.
  const auto twelve = span::fit(Algorithm::first, items, 12);
  CHECK(names(items, twelve) == "abde");
  CHECK(twelve.used == 12);
  // A fractional capacity is never met exactly, so g still fits.
  CHECK(names(items, span::fit(Algorithm::first, items, 12.5)) == "abdeg");
}

TEST_CASE("Best fit takes the largest first, equal sizes in their given order", "[span][fit]") {
  const auto items = sample();
  CHECK(names(items, span::fit(Algorithm::best, items, 10)) == "ceg");
  CHECK(names(items, span::fit(Algorithm::best, items, 12)) == "cbe");
  CHECK(names(items, span::fit(Algorithm::best, items, 40)) == "cfabdeg");
}

TEST_CASE("Worst fit takes the smallest first", "[span][fit]") {
  const auto items = sample();
  const auto ten = span::fit(Algorithm::worst, items, 10);
  CHECK(names(items, ten) == "gebd");
  CHECK(ten.used == 7);
  CHECK(names(items, span::fit(Algorithm::worst, items, 12)) == "gebda");
  CHECK(names(items, span::fit(Algorithm::worst, items, 40)) == "gebdafc");
}

TEST_CASE("Alternate fit takes from the small half and the reversed large half in turn",
          "[span][fit]") {
  const auto items = sample();
  CHECK(names(items, span::fit(Algorithm::alternate, items, 10)) == "gce");
  CHECK(names(items, span::fit(Algorithm::alternate, items, 12)) == "gceb");
  CHECK(names(items, span::fit(Algorithm::alternate, items, 40)) == "gcefbad");
}

TEST_CASE("A zero capacity fits nothing, not even zero-sized items", "[span][fit]") {
  const auto items = sample();
  for (const Algorithm algorithm :
       {Algorithm::first, Algorithm::best, Algorithm::worst, Algorithm::alternate}) {
    CHECK(span::fit(algorithm, items, 0).chosen.empty());
  }
  CHECK(span::fit(Algorithm::alternate, {}, 10).chosen.empty());
}

TEST_CASE("Spanning applies the algorithm to what is left, one disc per pass", "[span][fit]") {
  CHECK(discs(Algorithm::first, 10) == std::vector<std::string>{"abeg", "c", "df"});
  CHECK(discs(Algorithm::best, 10) == std::vector<std::string>{"ceg", "fb", "ad"});
  CHECK(discs(Algorithm::worst, 10) == std::vector<std::string>{"gebd", "a", "f", "c"});
  CHECK(discs(Algorithm::alternate, 10) == std::vector<std::string>{"gce", "bf", "da"});
  const auto result = span::span(sample(), 10, Algorithm::best);
  CHECK(result[0].size == 9);
  CHECK(result[0].utilization == Approx(90.0));
  CHECK(result[2].size == 8);
}

TEST_CASE("Spanning refuses an item larger than the capacity, naming it", "[span][fit]") {
  std::vector<span::Item> items{{"small", 10}, {"/staging/2026/11/24/peer/big.tar", 2000}};
  try {
    span::span(items, 1500.0, Algorithm::worst);
    FAIL("no error");
  } catch (const cback::Error& error) {
    CHECK(error.code() == cback::ExitCode::action);
    CHECK(std::string(error.what()) ==
          "File [/staging/2026/11/24/peer/big.tar] cannot fit in capacity 1.46 KiB.");
  }
}

TEST_CASE("Algorithm names are the prompt's words or the original's internal names",
          "[span][fit]") {
  CHECK(span::algorithm_named("first") == Algorithm::first);
  CHECK(span::algorithm_named("best_fit") == Algorithm::best);
  CHECK(span::algorithm_named("alternate") == Algorithm::alternate);
  CHECK_FALSE(span::algorithm_named("fastest"));
  CHECK(span::name_of(Algorithm::worst) == "worst");
}

TEST_CASE("The cushion and the disc estimate follow the original", "[span][fit]") {
  CHECK(span::real_capacity(1000, 4.5) == Approx(955.0));
  CHECK(span::minimum_discs(1910, 955.0) == 3);
  CHECK(span::minimum_discs(100, 955.0) == 1);
}
