#include <cback/peer/transfer.hpp>

#include "file_stager.hpp"

#include <cback/core/stop.hpp>

namespace cback::peer {

TransferResult transfer_peer(PeerSource& source, const std::filesystem::path& target_dir,
                             const TransferSettings& settings, core::Logger& log) {
  TransferResult result;
  transfer_peer(source, target_dir, settings, log, result);
  return result;
}

void transfer_peer(PeerSource& source, const std::filesystem::path& target_dir,
                   const TransferSettings& settings, core::Logger& log, TransferResult& result) {
  const auto peer = source.describe();
  const auto digests =
      detail::parse_digests(source.read_small(std::string(collect::k_manifest_file_name)), peer);
  const auto entries = detail::select_entries(source.list(), digests, peer, log);
  detail::FileStager stager(peer, target_dir, settings, log);
  for (const auto& entry : entries) {
    if (settings.stop != nullptr) {
      settings.stop->check();
    }
    const auto found = digests.find(entry.name);
    auto file = stager.begin(entry, found == digests.end() ? nullptr : &found->second, result);
    if (!file) {
      continue;
    }
    const auto sink = [&](core::Buffer buffer) {
      const auto size = static_cast<std::int64_t>(buffer.size());
      if (!stager.take(*file, std::move(buffer), result)) {
        return false;
      }
      if (settings.progress) {
        settings.progress(entry.name, file->done, entry.size);
      }
      stager.pace(size);
      return settings.stop == nullptr || !settings.stop->requested();
    };
    const bool finished = source.pull(entry, file->offset, stager.pool(), sink);
    stager.finish(*file, finished, result);
  }
  stager.sync_dir();
}

} // namespace cback::peer
