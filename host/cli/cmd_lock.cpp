// `entratool lock`: asks the active secret store to forget the key it keeps unlocked between
// commands (the encrypted-file store in passphrase mode: its derived key in the kernel keyring),
// through the store's "entratool.store-lock/1" extension. A store without it has nothing to lock.

#include "cli/cli.h"
#include "cli/commands.h"
#include "core/context.h"
#include "entratool/sdk/secret_store.h"
#include "entratool/sdk/store_lock.h"

namespace entratool::host {

sdk::Status cmd_lock(Context& ctx, const Args& args) {
  ArgParser parser("entratool lock",
                   "Forget the secret store's unlocked key, so that the next command needs the passphrase again.");
  parser.epilog(
      "A passphrase-protected store keeps its unlocked key in the kernel keyring of your login\n"
      "session for 15 minutes after the passphrase was given (config.json \"keystore_settings\":\n"
      "{\"unlock_timeout\": \"15m\"}; \"0\" keeps nothing). This drops it now. A store that keeps\n"
      "nothing unlocked (key-file mode, or another store) has nothing to lock: exit code 0 as well.\n"
      "See docs/secret-store.md, \"Unlocking once per session\".\n");
  if (auto s = parser.parse(args, 0); !s) return s;
  if (parser.help_requested()) {
    ctx.out << parser.help_text();
    return sdk::Status::ok();
  }
  auto store = ctx.secret_store();
  if (!store) return store.status();
  auto locked = sdk::lock_store(**store);
  if (!locked) {
    ctx.out << "The secret store keeps no unlocked key; nothing to lock.\n";
    return sdk::Status::ok();
  }
  if (!*locked) return locked->status();
  ctx.out << (**locked ? "Locked: the secret store's next use needs its passphrase.\n"
                       : "The secret store was not unlocked; nothing to lock.\n");
  return sdk::Status::ok();
}

}  // namespace entratool::host
