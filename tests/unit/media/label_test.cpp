// media::volume_label and the day read back from one.

#include <cback/media/label.hpp>

#include <catch2/catch.hpp>

namespace cback::media {

using namespace std::chrono_literals;

TEST_CASE("The day of a volume label reads back, and other labels have none", "[media][label]") {
  for (const std::chrono::year_month_day day :
       {2026y / 11 / 27, 2027y / 1 / 1, 2028y / 2 / 29, 2026y / 12 / 31}) {
    INFO(volume_label(day));
    CHECK(label_day(volume_label(day)) == day);
  }
  CHECK(volume_label(2026y / 11 / 27) == "CEDAR BACKUP 27-NOV-2026");
  CHECK_FALSE(label_day("CEDAR BACKUP SPAN 2 OF 3"));
  CHECK_FALSE(label_day("CEDAR BACKUP 31-NOV-2026"));
  CHECK_FALSE(label_day("CEDAR BACKUP 27-Nov-2026"));
  CHECK_FALSE(label_day("CEDAR BACKUP 27-NOV-2026 "));
  CHECK_FALSE(label_day("CEDAR BACKUP +7-NOV-2026"));
  CHECK_FALSE(label_day("ISOIMAGE"));
  CHECK_FALSE(label_day(""));
}

} // namespace cback::media
