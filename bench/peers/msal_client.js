// One client-credentials token with @azure/msal-node (pinned in package.json, lock file
// committed), one process per token: what bench/peers.sh times. Reads {client_id, secret,
// authority, scope} from the JSON file named by argv[2]; NODE_EXTRA_CA_CERTS names the CA.
"use strict";
const fs = require("fs");
const msal = require("@azure/msal-node");

const c = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const app = new msal.ConfidentialClientApplication({
  // knownAuthorities: no instance discovery at login.microsoftonline.com for a local host.
  auth: { clientId: c.client_id, clientSecret: c.secret, authority: c.authority, knownAuthorities: [new URL(c.authority).host] },
});
app.acquireTokenByClientCredential({ scopes: [c.scope] }).then(
  (r) => process.stdout.write(r.accessToken + "\n"),
  (e) => {
    process.stderr.write(`msal-node: ${e.message}\n`);
    process.exit(1);
  },
);
