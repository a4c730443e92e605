#include "checks.hpp"

#include <fmt/format.h>

namespace cback::config::rules {
namespace {

/// The `all` flag and the database list of mysql and postgresql.
void check_databases(bool all, const std::vector<std::string>& databases, std::string_view product,
                     const Where& where, Problems& problems) {
  if (all && !databases.empty()) {
    report(problems, where, "Databases cannot be specified if 'all' flag is set.");
  }
  if (!all && databases.empty()) {
    report(problems, where,
           fmt::format("At least one {} database must be indicated if 'all' flag is not set.",
                       product));
  }
}

/// How the original names an item and its parent in the "mode must be
/// set" messages, e.g. "parent mbox section" / "individual mbox file".
struct ItemWording {
  std::string_view parent;
  std::string_view item;
};

/// Subversion and mbox items need both modes, on the item or as the
/// section default.
template <class Section, class Item>
void check_item_modes(const Section& section, const Item& item, ItemWording wording,
                      Problems& problems) {
  if (!section.collect_mode && !item.collect_mode) {
    report(problems, item.where,
           fmt::format("Collect mode must either be set in {} or {} [{}].", wording.parent,
                       wording.item, item.abs_path));
  }
  if (!section.compress_mode && !item.compress_mode) {
    report(problems, item.where,
           fmt::format("Compress mode must either be set in {} or {} [{}].", wording.parent,
                       wording.item, item.abs_path));
  }
}

void check_subversion(const SubversionConfig& svn, Problems& problems) {
  if (svn.repositories.empty() && svn.repository_dirs.empty()) {
    report(problems, svn.where, "At least one Subversion repository must be configured.");
  }
  for (const auto& repository : svn.repositories) {
    check_item_modes(svn, repository, {"parent section", "individual repository"}, problems);
  }
  for (const auto& dir : svn.repository_dirs) {
    check_item_modes(svn, dir, {"parent section", "repository directory"}, problems);
  }
}

void check_mbox(const MboxConfig& mbox, Problems& problems) {
  if (mbox.files.empty() && mbox.dirs.empty()) {
    report(problems, mbox.where, "At least one mbox file or directory must be configured.");
  }
  for (const auto& file : mbox.files) {
    check_item_modes(mbox, file, {"parent mbox section", "individual mbox file"}, problems);
  }
  for (const auto& dir : mbox.dirs) {
    check_item_modes(mbox, dir, {"parent mbox section", "individual mbox directory"}, problems);
  }
}

void check_encrypt(const EncryptConfig& encrypt, Problems& problems) {
  if (encrypt.encrypt_mode.empty()) {
    report(problems, encrypt.where, "Encrypt mode must be set.");
  } else if (encrypt.encrypt_mode != "gpg") {
    report(problems, encrypt.where,
           fmt::format("Encrypt mode must be one of ['gpg'], not [{}].", encrypt.encrypt_mode));
  }
  if (encrypt.encrypt_target.empty()) {
    report(problems, encrypt.where, "Encrypt target must be set.");
  }
}

void check_split(const SplitConfig& split, Problems& problems) {
  if (split.size_limit.bytes <= 0.0) {
    report(problems, split.where, "Size limit must be greater than zero.");
  }
  if (split.split_size.bytes <= 0.0) {
    report(problems, split.where, "Split size must be greater than zero.");
  }
}

void check_capacity(const CapacityConfig& capacity, Problems& problems) {
  if (!capacity.max_percentage && !capacity.min_bytes) {
    report(problems, capacity.where, "Must provide either max percentage or min bytes.");
  }
  if (capacity.max_percentage && capacity.min_bytes) {
    report(problems, capacity.where,
           "Must provide either max percentage or min bytes, but not both.");
  }
  if (capacity.max_percentage) {
    const std::optional<double> percentage = parse_float(*capacity.max_percentage);
    if (!percentage || *percentage < 0.0 || *percentage > 100.0) {
      report(problems, capacity.where,
             fmt::format("Percentage must be a positive value from 0.0 to 100.0, not [{}].",
                         *capacity.max_percentage));
    }
  }
  if (capacity.min_bytes && capacity.min_bytes->bytes < 0.0) {
    report(problems, capacity.where, "Minimum bytes cannot be negative.");
  }
}

void check_amazons3(const AmazonS3Config& s3, Problems& problems) {
  if (s3.s3_bucket.empty()) {
    report(problems, s3.where, "AmazonS3 s3Bucket must be set.");
  }
  if (s3.full_size_limit && s3.full_size_limit->bytes < 0.0) {
    report(problems, s3.where, "Full size limit cannot be negative.");
  }
  if (s3.incr_size_limit && s3.incr_size_limit->bytes < 0.0) {
    report(problems, s3.where, "Incremental size limit cannot be negative.");
  }
  // S3 takes parts of 5 MiB to 5 GiB (only the last part may be smaller).
  constexpr double k_mib = 1024.0 * 1024.0;
  if (s3.part_size && (s3.part_size->bytes < 5 * k_mib || s3.part_size->bytes > 5 * 1024 * k_mib)) {
    report(problems, s3.where,
           fmt::format("Part size must be from 5 MiB to 5 GiB, not [{}].", s3.part_size->text));
  }
  if (s3.bandwidth_limit && s3.bandwidth_limit->bytes <= 0.0) {
    report(problems, s3.where, "Bandwidth limit must be greater than zero.");
  }
  if (s3.endpoint_url && !s3.endpoint_url->starts_with("http://") &&
      !s3.endpoint_url->starts_with("https://")) {
    report(problems, s3.where,
           fmt::format("Endpoint URL must start with http:// or https://, not [{}].",
                       *s3.endpoint_url));
  }
}

} // namespace

void check_extension_sections(const Config& config, Problems& problems) {
  // A present section is checked whether or not an action uses it, so that
  // `cback-config check` finds its mistakes before the day it is enabled.
  if (config.mysql) {
    check_databases(config.mysql->all, config.mysql->databases, "MySQL", config.mysql->where,
                    problems);
  }
  if (config.postgresql) {
    check_databases(config.postgresql->all, config.postgresql->databases, "PostgreSQL",
                    config.postgresql->where, problems);
  }
  if (config.subversion) {
    check_subversion(*config.subversion, problems);
  }
  if (config.mbox) {
    check_mbox(*config.mbox, problems);
  }
  if (config.encrypt) {
    check_encrypt(*config.encrypt, problems);
  }
  if (config.split) {
    check_split(*config.split, problems);
  }
  if (config.capacity) {
    check_capacity(*config.capacity, problems);
  }
  if (config.amazons3) {
    check_amazons3(*config.amazons3, problems);
  }
}

} // namespace cback::config::rules
