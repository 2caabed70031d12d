#pragma once
/// \file grants.h
/// Token requests that several flows make the same way (support library, since 1.3): the form
/// of a grant, sent through the host's services, so each flow keeps only what is its own.

#include <chrono>
#include <string>
#include <vector>

#include "entratool/sdk/flow.h"
#include "entratool/sdk/host_services.h"
#include "entratool/sdk/status.h"
#include "entratool/sdk/token.h"

namespace entratool::support {

/// The time left before request.deadline (60 s when none is set, at least 1 ms), for the
/// timeout of a request a flow sends itself (not through the token endpoint service).
std::chrono::milliseconds time_left(const sdk::FlowRequest& request, sdk::HostServices& services);

/// Redeems a browser sign-in's code (RFC 6749 §4.1.3 with the PKCE verifier) for `scopes`,
/// authenticating the client as the request says (services.client_auth()).
sdk::Result<sdk::TokenResponse> redeem_authorization_code(const sdk::FlowRequest& request, sdk::HostServices& services,
                                                          const sdk::SignInResult& signed_in,
                                                          const std::vector<std::string>& scopes);

/// A client credentials request authenticated by a federated `assertion` (RFC 7523
/// client_assertion, jwt-bearer): workload identity, CI OIDC tokens.
sdk::Result<sdk::TokenResponse> redeem_client_assertion(const sdk::FlowRequest& request, sdk::HostServices& services,
                                                        const std::string& assertion);

}  // namespace entratool::support
