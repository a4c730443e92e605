// The questions of cback-span: defaults, loops on bad answers, the
// transcript without interaction, and the end of the input.

#include <cback/config/model.hpp>
#include <cback/core/error.hpp>
#include <cback/core/stop.hpp>
#include <cback/span/prompt.hpp>
#include <cback/span/tool.hpp>
#include <cback/span/write_disc.hpp>

#include <catch2/catch.hpp>

#include <sstream>
#include <string>

using cback::span::Prompter;

TEST_CASE("Yes/no takes the default on an empty answer and the first letter otherwise",
          "[span][prompt]") {
  std::istringstream in("\nyes\nNo\nxyz\n\n");
  std::ostringstream out;
  Prompter prompt(in, out, true);
  CHECK(prompt.yes_no("Continue?", true));
  CHECK(prompt.yes_no("Continue?", false));
  CHECK_FALSE(prompt.yes_no("Continue?", true));
  CHECK_FALSE(prompt.yes_no("Continue?", true));
  CHECK_FALSE(prompt.yes_no("Rewrite the disc first?", false));
  CHECK(out.str() == "Continue? [Y/n]: Continue? [y/N]: Continue? [Y/n]: Continue? [Y/n]: "
                     "Rewrite the disc first? [y/N]: ");
}

TEST_CASE("A number is asked again until it is one", "[span][prompt]") {
  std::istringstream in("four\n3.25\n\n");
  std::ostringstream out;
  Prompter prompt(in, out, true);
  CHECK(prompt.number("What cushion percentage?", 4.5) == 3.25);
  CHECK(prompt.number("What cushion percentage?", 4.5) == 4.5);
  CHECK(out.str() == "What cushion percentage? [4.50]: Enter a floating point number.\n"
                     "What cushion percentage? [4.50]: What cushion percentage? [4.50]: ");
}

TEST_CASE("A choice is asked again until it is valid, an empty retry included", "[span][prompt]") {
  std::istringstream in("fast\n\nbest\n");
  std::ostringstream out;
  Prompter prompt(in, out, true);
  CHECK(prompt.choice("Which algorithm?", "worst", {"first", "best", "worst", "alternate"}) ==
        "best");
  const std::string shown = out.str();
  CHECK(shown.find("Choice must be one of ['first', 'best', 'worst', 'alternate']\n") !=
        std::string::npos);
  std::istringstream empty("\n");
  Prompter again(empty, out, true);
  CHECK(again.choice("Which algorithm?", "worst", {"worst"}) == "worst");
}

TEST_CASE("Without interaction every question shows the answer taken and nothing is read",
          "[span][prompt]") {
  std::istringstream in("n\n");
  std::ostringstream out;
  Prompter prompt(in, out, false);
  CHECK(prompt.yes_no("Continue?", true));
  CHECK(prompt.number("What cushion percentage?", 4.0) == 4.0);
  CHECK(prompt.choice("Which algorithm?", "best", {"best"}) == "best");
  prompt.wait_return("Press return when ready.");
  CHECK(out.str() == "Continue? [Y/n]: Y\nWhat cushion percentage? [4.00]: 4\n"
                     "Which algorithm? [best]: best\nPress return when ready.\n");
}

TEST_CASE("The end of the input is an error, or an interruption when a stop was asked",
          "[span][prompt]") {
  std::istringstream in("");
  std::ostringstream out;
  Prompter prompt(in, out, true);
  CHECK_THROWS_WITH(prompt.yes_no("Continue?", true), "No answer: the input ended.");
  cback::core::StopFlag stop;
  stop.request();
  std::istringstream none("");
  Prompter stopped(none, out, true, &stop);
  try {
    stopped.wait_return("Press return when ready.");
    FAIL("no error");
  } catch (const cback::Error& error) {
    CHECK(error.code() == cback::ExitCode::interrupted);
  }
}

TEST_CASE("Each disc goes to its own image with a pattern, else to the target device",
          "[span][prompt]") {
  cback::config::Store store;
  store.target_device = "/dev/sr0";
  cback::span::SpanSettings settings;
  CHECK(cback::span::device_for(settings, store, 2) == "/dev/sr0");
  settings.image_pattern = "/backup/%d/disc-%d.iso";
  CHECK(cback::span::device_for(settings, store, 12) == "stdio:/backup/12/disc-12.iso");
  CHECK(cback::span::span_label(2, 3) == "CEDAR BACKUP SPAN 2 OF 3");
}
