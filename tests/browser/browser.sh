#!/bin/sh
# BROWSER for the tests: headless chromium driven by playwright-core (see browser.js).
exec node "$(dirname "$0")/browser.js" "$@"
