// entratool: turns one result into an exit code, in one place.
#include "cli/commands.h"

int main(int argc, char** argv) { return entratool::host::run_cli(argc, argv); }
