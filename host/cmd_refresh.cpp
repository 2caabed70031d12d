// Temporary until its issue lands: the command is listed but reports that it is not ready.
#include "commands.h"

namespace entratool::host {
sdk::Status cmd_refresh(Context&, const Args&) { return sdk::Status::general("this command is not ready yet"); }
}  // namespace entratool::host
