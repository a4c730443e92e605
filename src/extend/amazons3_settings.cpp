#include <cback/extend/amazons3.hpp>

#include <cback/config/values.hpp>

// Apart from the extension itself: cback-restore and cback-amazons3-sync
// read these settings without linking the upload code and what it pulls
// in (the stage and store actions, libssh).

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

} // namespace cback::extend
