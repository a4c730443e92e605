#pragma once

// The sysinfo extension (docs/compatibility.md, "Extensions"): facts about the machine that a
// restore needs, written into the collect directory on every run.

namespace cback {
struct Context;
}

namespace cback::extend {

/// Writes into collect_dir, bzip2-compressed as the original:
/// dpkg-selections.txt.bz2 (`/usr/bin/dpkg --get-selections`),
/// fdisk-l.txt.bz2 (`/sbin/fdisk -l`) and ls-laR.txt.bz2 (`ls -laR /`,
/// whose exit status is ignored: unreadable entries are normal). dpkg and
/// fdisk are skipped with an INFO message when missing or not executable.
/// stderr is dropped. Each file is committed by rename. Needs the [collect]
/// section. Throws Error(action) naming the dump that failed.
void run_sysinfo(Context& context);

} // namespace cback::extend
