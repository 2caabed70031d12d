"""One client-credentials token with Debian's python3-msal, one process per token (msal keeps no
cache between processes): what bench/peers.sh times. Reads {client_id, secret, authority, scope}
from the JSON file named by argv[1]; REQUESTS_CA_BUNDLE names the provider's CA."""
import json
import sys

import msal

with open(sys.argv[1]) as f:
    c = json.load(f)
# validate_authority=False: no instance discovery at login.microsoftonline.com for a local host.
app = msal.ConfidentialClientApplication(c["client_id"], client_credential=c["secret"], authority=c["authority"],
                                         validate_authority=False)
result = app.acquire_token_for_client(scopes=[c["scope"]])
if "access_token" not in result:
    sys.exit("msal: " + str(result.get("error_description", result)))
print(result["access_token"])
