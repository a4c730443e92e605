// The flow of cback-span, question by question as the original's
// tools/span.py; the writing of one disc is in write_disc.cpp.

#include <cback/span/tool.hpp>

#include <cback/actions/store.hpp>
#include <cback/config/outputs.hpp>
#include <cback/config/target_device.hpp>
#include <cback/core/calendar.hpp>
#include <cback/core/error.hpp>
#include <cback/core/log.hpp>
#include <cback/core/progress.hpp>
#include <cback/media/media_type.hpp>
#include <cback/span/prompt.hpp>
#include <cback/span/staging.hpp>
#include <cback/span/write_disc.hpp>

#include <fmt/format.h>

#include <ostream>

namespace cback::span {
namespace {

std::string_view device_type_name(config::DeviceType type) {
  switch (type) {
  case config::DeviceType::cdwriter:
    return "cdwriter";
  case config::DeviceType::dvdwriter:
    return "dvdwriter";
  case config::DeviceType::bdwriter:
    return "bdwriter";
  }
  return "cdwriter";
}

std::string python_bool(bool value) {
  return value ? "True" : "False";
}

template <class T>
std::string python_optional(const std::optional<T>& value) {
  return value ? fmt::format("{}", *value) : "None";
}

bool introduce(Prompter& prompt) {
  prompt.out() << "\n================================================\n"
                  "           Cedar Backup 'span' tool\n"
                  "================================================\n\n"
                  "This the Cedar Backup span tool.  It is used to split up staging\n"
                  "data when that staging data does not fit onto a single disc.\n\n"
                  "This utility operates using Cedar Backup configuration.  Configuration\n"
                  "specifies which staging directory to look at and which writer device\n"
                  "and media type to use.\n\n";
  return prompt.yes_no("Continue?", true);
}

bool confirm_store(Prompter& prompt, const config::Store& store) {
  auto& out = prompt.out();
  out << "===\n\nCedar Backup store configuration looks like this:\n\n";
  out << fmt::format("   Source Directory...: {}\n", store.source_dir);
  out << fmt::format("   Media Type.........: {}\n", media::traits(store.media_type).name);
  out << fmt::format("   Device Type........: {}\n", device_type_name(store.device_type));
  out << fmt::format("   Device Path........: {}\n", store.target_device);
  out << fmt::format("   Device SCSI ID.....: {}\n", python_optional(store.target_scsi_id));
  out << fmt::format("   Drive Speed........: {}\n", python_optional(store.drive_speed));
  out << fmt::format("   Check Data Flag....: {}\n", python_bool(store.check_data));
  out << fmt::format("   No Eject Flag......: {}\n\n", python_bool(store.no_eject));
  return prompt.yes_no("Is this OK?", true);
}

bool confirm_staged(Prompter& prompt, const Staged& staged) {
  auto& out = prompt.out();
  out << "===\n\nThe following daily staging directories have not yet been written to disc:\n\n";
  for (const auto& dir : staged.daily_dirs) {
    out << "   " << dir.string() << '\n';
  }
  out << fmt::format("\nThe total size of the data in these directories is {}.\n\n",
                     core::display_bytes(static_cast<double>(staged.total)));
  return prompt.yes_no("Continue?", true);
}

// The cushion question; nullopt when the user stops.
std::optional<double> choose_capacity(Prompter& prompt, const SpanSettings& settings,
                                      const Staged& staged, std::int64_t capacity) {
  auto& out = prompt.out();
  out << "===\n\n"
      << fmt::format("Based on configuration, the capacity of your media is {}.\n\n",
                     core::display_bytes(static_cast<double>(capacity)))
      << "Since estimates are not perfect and there is some uncertainly in\n"
         "media capacity calculations, it is good to have a \"cushion\",\n"
         "a percentage of capacity to set aside.  The cushion reduces the\n"
         "capacity of your media, so a 1.5% cushion leaves 98.5% remaining.\n\n";
  const double cushion =
      prompt.number("What cushion percentage?", settings.cushion.value_or(k_default_cushion));
  const double real = real_capacity(capacity, cushion);
  out << "===\n\n"
      << fmt::format("The real capacity, taking into account the {:.2f}% cushion, is {}.\n",
                     cushion, core::display_bytes(real))
      << fmt::format("It will take at least {} disc(s) to store your {} of data.\n\n",
                     minimum_discs(staged.total, real),
                     core::display_bytes(static_cast<double>(staged.total)));
  if (!prompt.yes_no("Continue?", true)) {
    return std::nullopt;
  }
  return real;
}

void show_plan(Prompter& prompt, Algorithm algorithm, const std::vector<Disc>& discs) {
  auto& out = prompt.out();
  out << "===\n\n"
      << fmt::format("Using the \"{}-fit\" algorithm, Cedar Backup can split your data\n",
                     name_of(algorithm))
      << fmt::format("into {} discs.\n\n", discs.size());
  for (std::size_t i = 0; i < discs.size(); ++i) {
    out << fmt::format("Disc {}: {} files, {}, {:.2f}% utilization\n", i + 1, discs[i].items.size(),
                       core::display_bytes(static_cast<double>(discs[i].size)),
                       discs[i].utilization);
  }
  out << '\n';
}

// The algorithm question, until a plan is accepted.
std::vector<Disc> choose_plan(Prompter& prompt, const SpanSettings& settings, const Staged& staged,
                              double real) {
  const std::string fallback{name_of(settings.algorithm.value_or(Algorithm::worst))};
  for (;;) {
    prompt.out() << "===\n\nWhich algorithm do you want to use to span your data across\n"
                    "multiple discs?\n\nThe following algorithms are available:\n\n"
                    "   first....: The \"first-fit\" algorithm\n"
                    "   best.....: The \"best-fit\" algorithm\n"
                    "   worst....: The \"worst-fit\" algorithm\n"
                    "   alternate: The \"alternate-fit\" algorithm\n\n"
                    "If you don't like the results you will have a chance to try a\n"
                    "different one later.\n\n";
    const auto answer =
        prompt.choice("Which algorithm?", fallback, {"first", "best", "worst", "alternate"});
    const Algorithm algorithm = *algorithm_named(answer);
    prompt.out() << "===\n\nPlease wait, generating file lists (this may take a while)...\n";
    auto discs = span(staged.files, real, algorithm);
    show_plan(prompt, algorithm, discs);
    const bool accepted = prompt.yes_no("Accept this solution?", true);
    prompt.out() << "===\n";
    if (accepted) {
      return discs;
    }
  }
}

// Writing several discs to one image file would overwrite each with the
// next; only a person swapping media can make that right.
void check_devices(const SpanSettings& settings, const config::Store& store, std::size_t discs) {
  if (settings.interactive || discs < 2 || settings.image_pattern) {
    return;
  }
  if (store.target_device.starts_with("stdio:")) {
    throw Error(ExitCode::action,
                fmt::format("The span needs {} discs but target_device [{}] is one image file: "
                            "give --image-pattern (e.g. /path/disc-%d.iso).",
                            discs, store.target_device));
  }
}

} // namespace

std::string device_for(const SpanSettings& settings, const config::Store& store, int number) {
  if (!settings.image_pattern) {
    return store.target_device;
  }
  std::string path = *settings.image_pattern;
  const std::string digits = std::to_string(number);
  for (auto at = path.find("%d"); at != std::string::npos; at = path.find("%d", at)) {
    path.replace(at, 2, digits);
    at += digits.size();
  }
  return "stdio:" + path;
}

void run_span(const config::Config& config, const SpanSettings& settings, std::istream& in,
              std::ostream& out, core::Logger& log, io::RunBackend& io,
              const core::StopFlag* stop) {
  if (!config.options || !config.store) {
    throw Error(ExitCode::action, "cback-span needs the options and store sections.");
  }
  // {week} in target_device is this week's start (config/target_device.hpp).
  config::Store store = *config.store;
  store.target_device = config::target_device_for(config, core::today());
  Prompter prompt(in, out, settings.interactive, stop);
  if (!introduce(prompt) || !confirm_store(prompt, store)) {
    return;
  }
  const std::int64_t capacity =
      settings.capacity.value_or(media::traits(store.media_type).capacity);
  out << "===\n\nPlease wait, indexing the source directory (this may take a while)...\n";
  const Staged staged = find_unstored(store.source_dir);
  if (staged.daily_dirs.empty()) {
    out << "===\n\nEvery daily staging directory has already been written to disc.\n";
    return;
  }
  if (!confirm_staged(prompt, staged)) {
    return;
  }
  const auto real = choose_capacity(prompt, settings, staged, capacity);
  if (!real) {
    return;
  }
  const auto discs = choose_plan(prompt, settings, staged, *real);
  if (settings.dry_run) {
    out << "\nDry run: nothing was written.\n";
    return;
  }
  check_devices(settings, store, discs.size());
  for (std::size_t i = 0; i < discs.size(); ++i) {
    const int number = static_cast<int>(i) + 1;
    out << '\n';
    prompt.wait_return(number == 1 ? "Please place the first disc in your backup device.\n"
                                     "Press return when ready."
                                   : "Please replace the disc in your backup device.\n"
                                     "Press return when ready.");
    out << "===\n";
    const DiscJob job{store,
                      io,
                      device_for(settings, store, number),
                      number,
                      static_cast<int>(discs.size()),
                      config::week_starts_on(config)};
    write_disc(prompt, job, discs[i], log, stop);
  }
  actions::mark_stored(config::outputs_of(config), staged.daily_dirs, log);
  out << "\nCompleted writing all discs.\n";
}

} // namespace cback::span
