#include <cback/span/write_disc.hpp>

#include <cback/core/error.hpp>
#include <cback/core/log.hpp>
#include <cback/core/progress.hpp>
#include <cback/core/stop.hpp>
#include <cback/io/run_backend.hpp>
#include <cback/media/burner.hpp>
#include <cback/media/verify.hpp>
#include <cback/span/prompt.hpp>
#include <cback/span/staging.hpp>

#include <fmt/format.h>

#include <memory>
#include <ostream>

namespace cback::span {
namespace {

// Whether to try a failed step again: only a person can say so (and swap
// the medium); without one the error stands.
bool retry(Prompter& prompt, const Error& error, std::string_view question) {
  if (error.code() == ExitCode::interrupted || !prompt.interactive()) {
    return false;
  }
  return prompt.yes_no(question, true);
}

std::unique_ptr<DiscTree> initialize(Prompter& prompt, const DiscJob& job, const Disc& disc,
                                     core::Logger& log) {
  for (;;) {
    prompt.out() << "Initializing image...\n";
    try {
      auto tree = std::make_unique<DiscTree>(job.store.source_dir, disc.items);
      prompt.out() << "Completed initializing image.\n";
      return tree;
    } catch (const Error& error) {
      log.error("Failed to initialize image: {}", error.what());
      if (!retry(prompt, error, "Retry initialization step?")) {
        throw;
      }
      prompt.out() << "Ok, attempting retry.\n===\n";
    }
  }
}

void write_image(Prompter& prompt, const DiscJob& job, const DiscTree& tree, core::Logger& log,
                 const core::StopFlag* stop) {
  media::BurnerOptions options = media::burner_options(job.store);
  options.device = job.device;
  options.starting_day = job.starting_day;
  options.check_media = false; // a span disc starts blank: there is no label to check
  media::BurnRequest request;
  request.grafts.push_back({tree.root(), ""});
  request.label = span_label(job.number, job.count);
  request.new_disc = {media::NewDisc::Rule::yes, 0.0};
  for (;;) {
    prompt.out() << "Writing image to disc...\n";
    try {
      media::write_to_medium(options, request, job.io.get(), log, stop);
      if (stop != nullptr) {
        stop->check();
      }
      prompt.out() << "Completed writing image.\n";
      return;
    } catch (const Error& error) {
      log.error("Failed to write image: {}", error.what());
      if (!retry(prompt, error, "Retry this step?")) {
        throw;
      }
      prompt.out() << "Ok, attempting retry.\n";
      prompt.wait_return("Please replace media if needed.\nPress return when ready.");
      prompt.out() << "===\n";
    }
  }
}

void consistency_check(Prompter& prompt, const DiscJob& job, const DiscTree& tree,
                       core::Logger& log, const core::StopFlag* stop) {
  for (;;) {
    prompt.out() << "Running consistency check...\n";
    try {
      const auto report = media::verify_session(job.device, {{tree.root(), ""}}, log);
      log.info("Consistency check of [{}] completed: {} files ({}) match.", job.device,
               report.files, core::display_bytes(report.bytes));
      prompt.out() << "Completed consistency check.\n";
      return;
    } catch (const Error& error) {
      log.error("Consistency check failed: {}", error.what());
      if (!retry(prompt, error, "Retry the consistency check?")) {
        throw;
      }
      if (prompt.yes_no("Rewrite the disc first?", false)) {
        prompt.out() << "Ok, attempting retry.\n";
        prompt.wait_return("Please replace the disc in your backup device.\n"
                           "Press return when ready.");
        prompt.out() << "===\n";
        write_image(prompt, job, tree, log, stop);
      } else {
        prompt.out() << "Ok, attempting retry.\n===\n";
      }
    }
  }
}

} // namespace

std::string span_label(int number, int count) {
  return fmt::format("CEDAR BACKUP SPAN {} OF {}", number, count);
}

void write_disc(Prompter& prompt, const DiscJob& job, const Disc& disc, core::Logger& log,
                const core::StopFlag* stop) {
  prompt.out() << '\n';
  const auto tree = initialize(prompt, job, disc, log);
  write_image(prompt, job, *tree, log, stop);
  if (job.store.check_data) {
    consistency_check(prompt, job, *tree, log, stop);
  }
  prompt.out() << "Write process is complete.\n===\n";
}

} // namespace cback::span
