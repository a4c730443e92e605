#pragma once

#include <string>

// The encrypt extension (docs/compatibility.md, "Extensions"): every staged file of the daily
// directories not yet encrypted is replaced by its GPG-encrypted copy
// FILE.gpg, for the configured recipient, with the gpg command.

namespace cback {
struct Context;
}

namespace cback::extend {

/// Checks that gpg knows the recipient's public key (`gpg --batch -k`)
/// before anything is touched; then, for every daily directory without
/// cback.encrypt, encrypts each staged file F (indicators excepted) to
/// F.gpg (written as F.gpg.partial, renamed when gpg succeeded), removes F
/// only after that, and writes cback.encrypt. Needs the [stage] and
/// [encrypt] sections; encrypt_mode must be "gpg". Throws Error(action)
/// naming the recipient or the file on failure.
void run_encrypt(Context& context);

/// Checks that gpg, run as the night's encrypt runs it, knows the public
/// key of `recipient` (`gpg --batch -k`). Throws Error(action) "GPG unable
/// to find public key for [recipient]: ..." when it does not. Used by
/// run_encrypt and by validate.
void confirm_gpg_recipient(Context& context, const std::string& recipient);

} // namespace cback::extend
