#pragma once

// The volume label of cback discs (docs/compatibility.md, "Volume label").

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace cback::media {

/// "CEDAR BACKUP 27-NOV-2026": the original's "CEDAR BACKUP " +
/// strftime("%d-%b-%Y").upper() in the C locale. 24 characters, within the
/// 32 of an ISO 9660 volume id.
std::string volume_label(std::chrono::year_month_day day);

/// True when `label` is a cback/Cedar Backup label (starts with
/// "CEDAR BACKUP"), the check_media test for rewritable media.
bool is_backup_label(std::string_view label);
/// The day of a volume_label(); nullopt for any other label.
std::optional<std::chrono::year_month_day> label_day(std::string_view label);

} // namespace cback::media
