#include "device_code_flow.h"

#include "device_authorization.h"

#include <algorithm>
#include <cstdio>
#include <string>

#include "entratool/support/json.h"
#include "entratool/support/scopes.h"

namespace entratool::flows {

namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using std::chrono::steady_clock;

constexpr long long kSlowDownStep = 5;  // RFC 8628 §3.5

// "<error>: <description>" of a refusal, without the hint the token endpoint service appends.
std::string without_hint(const std::string& message) {
  auto hint = message.find(" Hint: ");
  return hint == std::string::npos ? message : message.substr(0, hint);
}

// Rewrites one terminal line in place; only on a terminal, where a person watches.
void show_progress(bool interactive, long long elapsed) {
  if (!interactive) return;
  std::fprintf(stderr, "\rWaiting for authentication... %llds ", elapsed);
  std::fflush(stderr);
}

void end_progress(bool interactive) {
  if (!interactive) return;
  std::fputs("\r\033[K", stderr);
  std::fflush(stderr);
}

}  // namespace

sdk::Result<sdk::TokenResponse> DeviceCodeFlow::acquire(const sdk::FlowRequest& request, sdk::HostServices& services) {
  if (request.device_code_endpoint.empty())
    return sdk::Status::general(
        "no device code endpoint is known for this profile (an OpenID provider must list "
        "device_authorization_endpoint in its discovery document)");
  sdk::Clock& clock = services.clock();
  const std::string scope = support::join_scopes(support::user_flow_scopes(request.scopes));

  sdk::Form start = {{"scope", scope}};
  sdk::Headers start_headers;
  // RFC 8628 §3.1: a confidential client authenticates here too (Entra ignores it for public ones).
  if (auto s = services.client_auth().apply(request, {}, start, start_headers); !s) return s;
  // The code's life starts at the provider before its answer arrives: count it from the request,
  // so the last poll never reaches a code the provider has already expired.
  const steady_clock::time_point requested = clock.monotonic();
  auto started = services.token_endpoint().post(request, request.device_code_endpoint, start, start_headers);
  if (!started) {
    const sdk::Status& s = started.status();
    // A refusal or an unusable answer says which request failed; a transport error is as is.
    if (s.category() == sdk::ErrorCategory::auth_failed ||
        (s.category() == sdk::ErrorCategory::network && s.message().rfind("the token endpoint ", 0) == 0))
      return s.with_message("the device code request failed: " + s.message());
    return s;
  }
  auto device = parse_device_authorization(*started);
  if (!device) return device.status();

  sdk::Console& console = services.console();
  console.notice("Device Code Authentication");
  console.notice("To sign in, use a web browser to open:");
  console.notice("  " + device->verification_uri);
  console.notice("and enter the code: " + device->user_code);
  console.notice("");
  const steady_clock::time_point began = clock.monotonic();
  const steady_clock::time_point code_expires = requested + seconds(device->expires_in);
  // Say how long we will wait: --timeout (default 60s) is often shorter than the code's life.
  const auto wait_limit = std::chrono::duration_cast<seconds>(std::min(code_expires, request.deadline) - began).count();
  console.notice("Waiting for authentication... (up to " + std::to_string(std::max<long long>(wait_limit, 0)) +
                 "s; --timeout sets how long)");
  const bool interactive = console.interactive();
  long long interval = device->interval;

  for (;;) {
    // Sleep one interval in short steps, so Ctrl-C and the deadline are noticed at once; the
    // checks run once more after the last step, so an expired code is never polled.
    const steady_clock::time_point next_poll = clock.monotonic() + seconds(interval);
    for (;;) {
      if (clock.cancelled()) {
        end_progress(interactive);
        return sdk::Status::error(sdk::ErrorCategory::general, "cancelled", sdk::codes::kCancelled);
      }
      if (clock.monotonic() >= request.deadline) {
        end_progress(interactive);
        return sdk::Status::timeout(
            "nobody completed the device code sign-in before the timeout (--timeout); "
            "run the command again with a longer --timeout");
      }
      if (clock.monotonic() >= code_expires) {
        end_progress(interactive);
        return sdk::Status::timeout("the device code expired after " + std::to_string(device->expires_in) +
                                    "s before anyone signed in; run the command again");
      }
      if (clock.monotonic() >= next_poll) break;
      show_progress(interactive, std::chrono::duration_cast<seconds>(clock.monotonic() - began).count());
      auto left = std::min(next_poll, std::min(request.deadline, code_expires)) - clock.monotonic();
      clock.sleep_for(
          std::min<milliseconds>(milliseconds(250), std::chrono::duration_cast<milliseconds>(left) + milliseconds(1)));
    }

    sdk::Form form = {
        {"grant_type", "urn:ietf:params:oauth:grant-type:device_code"},
        {"device_code", device->device_code},
    };
    sdk::Headers headers;
    if (auto s = services.client_auth().apply(request, {}, form, headers); !s) {
      end_progress(interactive);
      return s;
    }
    auto token = services.token_endpoint().request_token(request, form, headers);
    if (token) {
      end_progress(interactive);
      return token;
    }
    const sdk::Status& status = token.status();
    const std::string& code = status.code();
    if (code == "authorization_pending") continue;
    if (code == "slow_down") {
      interval = std::min(interval + kSlowDownStep, kMaxInterval);
      services.logger().log(sdk::LogLevel::info,
                            "the provider asked to poll more slowly; polling every " + std::to_string(interval) + "s");
      continue;
    }
    end_progress(interactive);
    if (status.category() == sdk::ErrorCategory::auth_failed) {
      if (code == "access_denied" || code == "authorization_declined")
        return status.with_message("the sign-in was declined (" + without_hint(status.message()) + ")");
      if (code == "expired_token" || code == "code_expired")
        return status.with_message("the device code expired before the sign-in was completed (" + code +
                                   "); run the command again and enter the new code sooner");
    }
    return status;
  }
}

}  // namespace entratool::flows
