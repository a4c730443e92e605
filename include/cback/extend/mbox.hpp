#pragma once

// The mbox extension (docs/compatibility.md, "Extensions"): full and incremental backups of
// mailboxes with grepmail, into the collect directory.

namespace cback {
struct Context;
}

namespace cback::extend {

/// Takes the run's timestamp first (local time). For each configured mbox
/// file and dir that its collect mode selects today: a full copy when the
/// run is full (--full or the start of the week), the mode is not incr or
/// there is no saved timestamp, else only the messages since the saved
/// timestamp (`grepmail -a -u [-d "since YYYY-MM-DDTHH:MM:SS"]`). A file
/// goes to collect_dir/mbox-YYYYMMDD-<normalized path>[.gz|.bz2|.zst]; a
/// dir's files (not recursive, exclusions applied) are grepmail'd into a
/// temporary directory under working_dir and put in a flat tar
/// collect_dir/mbox-YYYYMMDD-<normalized dir>.tar[.gz|.bz2|.zst]. For incr
/// items the timestamp is saved to working_dir/<normalized path>.mboxlast
/// once the item's output is committed. An item that fails is logged and
/// the others still run; then Error(action) names the failed items.
void run_mbox(Context& context);

} // namespace cback::extend
