#include <cback/extend/amazons3.hpp>

#include <cback/config/values.hpp>

// Apart from the extension itself: cback-restore and cback-amazons3-sync
// read these settings (the client's, the upload's) without linking the
// extension and what it pulls in (the stage and store actions, libssh).

namespace cback::extend {

s3::SettingsRequest amazons3_settings_request(const config::Config& config) {
  s3::SettingsRequest request;
  if (config.amazons3) {
    request.profile = config.amazons3->profile;
    request.region = config.amazons3->region;
    request.endpoint_url = config.amazons3->endpoint_url;
  }
  request.home = s3::aws_home(config.options ? config.options->backup_user : std::nullopt,
                              s3::process_environment());
  return request;
}

s3::UploadTuning amazons3_tuning(const config::Config& config) {
  s3::UploadTuning tuning;
  if (!config.amazons3) {
    return tuning;
  }
  const auto& s3_config = *config.amazons3;
  if (s3_config.part_size) {
    tuning.part_size = static_cast<std::size_t>(s3_config.part_size->bytes);
  }
  tuning.parallel_parts = static_cast<unsigned>(s3_config.parallel_parts);
  tuning.put.storage_class = s3_config.storage_class.value_or("");
  return tuning;
}

std::optional<double> amazons3_bandwidth_limit(const config::Config& config) {
  if (!config.amazons3 || !config.amazons3->bandwidth_limit) {
    return std::nullopt;
  }
  return config.amazons3->bandwidth_limit->bytes;
}

} // namespace cback::extend
