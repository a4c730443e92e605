#pragma once

// The initialize action (docs/compatibility.md, "Initialize"): labels rewritable media for
// check_media: the tray is refreshed, then a new disc is written whose
// only content is the empty directory /CedarBackup, under the volume label
// "CEDAR BACKUP DD-MON-YYYY".

namespace cback {
struct Context;
}

namespace cback::actions {

void run_initialize(Context& context);

} // namespace cback::actions
