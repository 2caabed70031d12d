// A local OpenID provider with Microsoft Entra ID's URL layout, for entratool's tests only.
//
//   node server.js --config config.json [--port 0] [--cert server.pem --key server.key]
//
// With "layout": "oidc" in the config it is instead one plain oidc-provider in its own default
// layout (issuer = the base URL, /token, /device/auth, /auth, /jwks; no tenants, no Entra texts,
// no interval or message in device code answers): "any OpenID provider" for the tests.
//
// Prints one JSON line {"port":…,"issuer":…,"base_url":…} on stdout when it is listening on
// 127.0.0.1; everything else goes to stderr. See README.md for the config file and the /_test/
// endpoints. oidc-provider does the OAuth work; this file adds what Entra does differently:
// per-tenant paths, AADSTS error texts, `interval`/`message` in device code responses,
// certificate thumbprint checks for client assertions, and fault injection for tests.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as querystring from 'node:querystring';

import Provider, { errors as oidcErrors } from 'oidc-provider';

// ---------------------------------------------------------------------------------------------
// Arguments and configuration

function parseArgs(argv) {
  const out = { port: 0 };
  for (let i = 0; i < argv.length; i += 1) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      i += 1;
      return argv[i];
    };
    if (a === '--config') out.config = next();
    else if (a === '--port') out.port = Number(next());
    else if (a === '--cert') out.cert = next();
    else if (a === '--key') out.key = next();
    else throw new Error(`unknown argument ${a}`);
  }
  if (!out.config) throw new Error('--config FILE is required');
  if ((out.cert && !out.key) || (!out.cert && out.key)) throw new Error('--cert and --key go together');
  return out;
}

const args = parseArgs(process.argv.slice(2));
const config = JSON.parse(fs.readFileSync(args.config, 'utf8'));
const layout = config.layout || 'entra';
if (layout !== 'entra' && layout !== 'oidc') throw new Error(`unknown layout ${layout}: use entra or oidc`);
const entraLayout = layout === 'entra';
// In the oidc layout one provider is mounted at the root, under the "tenant" ''.
const tenants = entraLayout ? (config.tenants || ['contoso']) : [''];
const accessTokenTTL = config.access_token_ttl || 3600;
const refreshTokenTTL = config.refresh_token_ttl || 86400;
const deviceCodeTTL = config.device_code_ttl || 900;
const deviceInterval = config.device_interval ?? 5;
const log = (...m) => process.stderr.write(`provider: ${m.join(' ')}\n`);

// Registered certificates of private_key_jwt clients: their JWKS and thumbprints are derived here
// so the test suite only has to hand over PEM files.
function certificateInfo(pemPath) {
  const pem = fs.readFileSync(pemPath, 'utf8');
  const cert = new crypto.X509Certificate(pem);
  const jwk = cert.publicKey.export({ format: 'jwk' });
  return {
    der: cert.raw,
    x5t: crypto.createHash('sha1').update(cert.raw).digest('base64url'),
    x5tS256: crypto.createHash('sha256').update(cert.raw).digest('base64url'),
    jwk: { ...jwk, use: 'sig', kid: crypto.createHash('sha256').update(cert.raw).digest('base64url') },
  };
}

// Federated credentials (Entra's workload identity federation): a client whose "auth" is
// "federated" trusts assertions from the issuers/subjects/audiences it lists, signed with the
// key of this provider's stand-in external issuer (tokens minted by POST /_test/federated/mint).
// The front checks the assertion as Entra would and hands oidc-provider an internal secret.
const federatedIssuerKey = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const federatedClients = new Map(); // client_id -> { credentials, secret }

const clientExtras = new Map(); // client_id -> { certs, assertionAlgs, roles }
const clients = (config.clients || []).map((c) => {
  if (c.auth === 'federated') {
    const secret = crypto.randomBytes(24).toString('base64url');
    federatedClients.set(c.client_id, { credentials: c.federated || [], secret });
    c = { ...c, auth: 'client_secret_post', client_secret: secret };
  }
  const auth = c.auth || (c.client_secret ? 'client_secret_basic' : 'none');
  const certs = (c.certificates || []).map(certificateInfo);
  clientExtras.set(c.client_id, {
    certs,
    assertionAlgs: c.assertion_algs || ['PS256', 'RS256'],
    roles: c.roles || [],
    // Resources the application has permissions for, which (as in Entra) a user's refresh token
    // may then mint access tokens for without a new sign-in; see widenRefreshToken().
    consented: c.consented_resources || [],
  });
  const isPublic = auth === 'none';
  const out = {
    client_id: c.client_id,
    token_endpoint_auth_method: auth,
    grant_types: c.grant_types || (isPublic
      ? ['urn:ietf:params:oauth:grant-type:device_code', 'authorization_code', 'refresh_token']
      : ['client_credentials', 'authorization_code', 'refresh_token', 'urn:ietf:params:oauth:grant-type:device_code']),
    response_types: ['code'],
    redirect_uris: c.redirect_uris || (isPublic ? ['http://127.0.0.1/'] : ['http://localhost:8080/']),
    application_type: c.application_type || (isPublic ? 'native' : 'web'),
  };
  if (c.client_secret) out.client_secret = c.client_secret;
  if (auth === 'private_key_jwt') out.jwks = { keys: certs.map((x) => x.jwk) };
  return out;
});

// ---------------------------------------------------------------------------------------------
// Entra-like scopes and resources: "https://graph.microsoft.com/.default" or "…/User.Read" name
// the resource "https://graph.microsoft.com"; a bare scope ("User.Read") is Microsoft Graph's.

const kGraph = 'https://graph.microsoft.com';
const kOidcScopes = new Set(['openid', 'offline_access', 'profile', 'email']);

function resourceOf(scope) {
  if (kOidcScopes.has(scope)) return undefined;
  const m = /^(.*:\/\/[^/]+(?:\/[^/]+)*?)\/([^/]+)$/.exec(scope);
  if (m && /^[a-z][a-z0-9+.-]*:\/\//i.test(scope)) return m[1];
  if (/^api:\/\/[^/]+$/.test(scope)) return scope;
  return kGraph;
}

function resourcesOf(scopeParam) {
  const set = new Set();
  for (const s of (scopeParam || '').split(' ').filter(Boolean)) {
    const r = resourceOf(s);
    if (r) set.add(r);
  }
  return [...set];
}

// Every scope ever requested for a resource: a resource server's scope list must cover what a
// refresh (which sends no scope) was granted earlier.
const knownScopes = new Map();
function scopesFor(resource, scopeParam) {
  if (!knownScopes.has(resource)) knownScopes.set(resource, new Set([`${resource}/.default`]));
  const known = knownScopes.get(resource);
  for (const s of (scopeParam || '').split(' ')) if (s && resourceOf(s) === resource) known.add(s);
  return [...known];
}

function shortScope(resource, scope) {
  return scope.startsWith(`${resource}/`) ? scope.slice(resource.length + 1) : scope;
}

// A stable GUID-shaped id for a name (Entra's oid/tid are GUIDs).
function guidOf(name) {
  const h = crypto.createHash('sha256').update(name).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

// ---------------------------------------------------------------------------------------------
// What the tests can see and steer

const stats = { counts: {}, requests: [], assertions: [], federated: [] };

function mintFederated({ issuer, subject, audience, ttl }) {
  const now = Math.floor(Date.now() / 1000);
  const life = ttl ?? 300;
  const header = { alg: 'RS256', typ: 'JWT', kid: 'federated-issuer' };
  const claims = {
    iss: issuer, sub: subject, aud: audience || 'api://AzureADTokenExchange',
    iat: now - (life < 0 ? 600 : 0), nbf: now - (life < 0 ? 600 : 0), exp: now + life, jti: crypto.randomUUID(),
  };
  const enc = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const input = `${enc(header)}.${enc(claims)}`;
  const sig = crypto.sign('sha256', Buffer.from(input), federatedIssuerKey.privateKey).toString('base64url');
  return `${input}.${sig}`;
}

// Entra's checks of a federated client assertion; an error body, or undefined when it is trusted.
function checkFederated(fed, assertion) {
  const fail = (code, text) => ({
    error: 'invalid_client', error_description: `AADSTS${code}: ${text}`, error_codes: [code],
  });
  const [h, p, sig] = String(assertion).split('.');
  const claims = decodeJwtPart(p || '');
  const valid = h && p && sig && claims && crypto.verify('sha256', Buffer.from(`${h}.${p}`),
    federatedIssuerKey.publicKey, Buffer.from(sig, 'base64url'));
  if (!valid) return fail(50027, 'JWT token is invalid or malformed.');
  stats.federated.push({ iss: claims.iss, sub: claims.sub, aud: claims.aud, jti: claims.jti });
  const now = Math.floor(Date.now() / 1000);
  if (typeof claims.exp !== 'number' || claims.exp < now) {
    return fail(700024, `Client assertion is not within its valid time range. Current time: ${new Date().toISOString()}, expiry time of assertion ${new Date((claims.exp || 0) * 1000).toISOString()}.`);
  }
  const byIssuer = fed.credentials.filter((c) => c.issuer === claims.iss);
  if (!byIssuer.length) {
    return fail(700211, `No matching federated identity record found for presented assertion issuer '${claims.iss}'. Please check your federated identity credential Subject, Audience and Issuer against the presented assertion.`);
  }
  if (!byIssuer.some((c) => c.subject === claims.sub && (c.audience || 'api://AzureADTokenExchange') === claims.aud)) {
    return fail(70021, `No matching federated identity record found for presented assertion. Assertion Issuer: '${claims.iss}'. Assertion Subject: '${claims.sub}'. Assertion Audience: '${claims.aud}'.`);
  }
  return undefined;
}
let faults = []; // [{ kind, remaining, endpoint, ... }]
const refreshTokensByClient = new Map();

function record(entry) {
  stats.counts[entry.endpoint] = (stats.counts[entry.endpoint] || 0) + 1;
  stats.requests.push(entry);
  if (stats.requests.length > 200) stats.requests.shift();
}

function takeFault(endpoint) {
  const i = faults.findIndex((f) => f.endpoint === endpoint || f.endpoint === 'any');
  if (i < 0) return undefined;
  const f = faults[i];
  f.remaining -= 1;
  if (f.remaining <= 0) faults.splice(i, 1);
  return f;
}

function decodeJwtPart(part) {
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}

// Records a request without any secret: secrets, codes and tokens are reduced to their presence.
function describeRequest(endpoint, tenant, req, form) {
  // received_ms: when the request arrived, on a monotonic clock (milliseconds); tests compare two
  // requests' times instead of timing a run from outside, which a loaded machine stretches.
  const d = { endpoint, tenant, method: req.method, path: req.url.split('?')[0],
    received_ms: Math.round(performance.now()) };
  if (form) {
    for (const k of ['grant_type', 'client_id', 'scope', 'resource', 'redirect_uri', 'code_challenge_method', 'claims']) {
      if (form[k] !== undefined) d[k] = form[k];
    }
    for (const k of ['client_secret', 'code', 'code_verifier', 'refresh_token', 'device_code', 'client_assertion']) {
      if (form[k] !== undefined) d[`has_${k}`] = true;
    }
  }
  const authz = req.headers.authorization;
  if (authz && /^basic /i.test(authz)) {
    d.auth_method = 'basic';
    const decoded = Buffer.from(authz.slice(6), 'base64').toString('utf8');
    const id = decoded.split(':')[0];
    try {
      d.basic_client_id = decodeURIComponent(id.replace(/\+/g, '%20'));
    } catch {
      d.basic_client_id = id;
    }
  } else if (form?.client_assertion) {
    d.auth_method = 'assertion';
  } else if (form?.client_secret) {
    d.auth_method = 'post';
  } else if (form) {
    d.auth_method = 'none';
  }
  if (form?.client_assertion) {
    const [h, p] = String(form.client_assertion).split('.');
    d.assertion = { header: decodeJwtPart(h || ''), claims: decodeJwtPart(p || '') };
  }
  return d;
}

// ---------------------------------------------------------------------------------------------
// AADSTS error texts

function entraError(ctx, err) {
  const body = ctx.body;
  if (!body || typeof body !== 'object' || !body.error) return;
  const detail = err?.error_detail || '';
  const clientId = ctx.oidc?.params?.client_id || ctx.oidc?.authorization?.clientId || '';
  const tenant = ctx.state.tenant;
  const set = (error, description, status) => {
    body.error = error;
    body.error_description = description;
    body.error_codes = [Number(/AADSTS(\d+)/.exec(description)?.[1] || 0)];
    body.timestamp = new Date().toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
    body.trace_id = crypto.randomUUID();
    body.correlation_id = crypto.randomUUID();
    if (status) ctx.status = status;
  };
  switch (body.error) {
    case 'invalid_client':
      if (detail === 'client not found') {
        set('unauthorized_client', `AADSTS700016: Application with identifier '${clientId}' was not found in the directory '${tenant}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant.`, 400);
      } else if (detail === 'invalid secret provided') {
        set('invalid_client', `AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`, 401);
      } else if (/thumbprint|x5t|certificate/i.test(detail)) {
        set('invalid_client', `AADSTS700027: The certificate with identifier used to sign the client assertion is not registered on application. [Reason - ${detail}]`, 401);
      } else if (ctx.oidc?.params?.client_assertion) {
        set('invalid_client', `AADSTS700027: Client assertion failed signature validation. [Reason - ${detail || 'invalid assertion'}]`, 401);
      } else {
        set('invalid_client', `AADSTS7000218: The request body must contain the following parameter: 'client_assertion' or 'client_secret'. [${detail || 'client authentication failed'}]`, 401);
      }
      break;
    case 'invalid_scope':
    case 'invalid_target':
      set('invalid_scope', `AADSTS70011: The provided request must include a 'scope' input parameter. The provided value for the input parameter 'scope' is not valid. ${body.error_description || ''}`.trim(), 400);
      break;
    case 'invalid_grant':
      set('invalid_grant', `AADSTS70000: The provided value for the 'code' or 'refresh_token' is not valid or has expired. [${body.error_description || detail}]`, 400);
      break;
    case 'authorization_pending':
      set('authorization_pending', 'AADSTS70016: OAuth 2.0 device flow error. Authorization is pending. Continue polling.', 400);
      break;
    case 'expired_token':
      set('expired_token', 'AADSTS70019: Verification code expired.', 400);
      break;
    case 'access_denied':
      set('access_denied', 'AADSTS70020: The user declined the sign-in request.', 400);
      break;
    case 'unauthorized_client':
      set('unauthorized_client', `AADSTS700016: ${body.error_description || 'the client is not allowed this grant'}`, 400);
      break;
    default:
      break;
  }
}

// ---------------------------------------------------------------------------------------------
// One oidc-provider per tenant, mounted under /{tenant}

const signingKey = (() => {
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), kid: 'test-signing-key', use: 'sig', alg: 'RS256' };
})();

// Entra's routes under /{tenant}; the oidc layout keeps oidc-provider's defaults.
const entraRoutes = {
  authorization: '/oauth2/v2.0/authorize',
  token: '/oauth2/v2.0/token',
  device_authorization: '/oauth2/v2.0/devicecode',
  code_verification: '/oauth2/v2.0/deviceauth',
  jwks: '/discovery/v2.0/keys',
  userinfo: '/oidc/userinfo',
  end_session: '/oauth2/v2.0/logout',
  revocation: '/oauth2/v2.0/revoke',
};
const tokenPath = entraLayout ? entraRoutes.token : '/token';
const devicePath = entraLayout ? entraRoutes.device_authorization : '/device/auth';
const authorizePath = entraLayout ? entraRoutes.authorization : '/auth';

function makeProvider(baseUrl, tenant) {
  // tid: a GUID tenant is its own id; domain names stand for config.tenant_id when given.
  const tid = /^[0-9a-f-]{36}$/i.test(tenant) ? tenant : (config.tenant_id || guidOf(tenant || 'oidc'));
  const provider = new Provider(entraLayout ? `${baseUrl}/${tenant}/v2.0` : baseUrl, {
    clients: structuredClone(clients),
    jwks: { keys: [signingKey] },
    cookies: { keys: ['entratool-test-provider-cookie-key'] },
    ...(entraLayout ? { routes: entraRoutes } : {}),
    scopes: ['openid', 'offline_access', 'profile', 'email'],
    claims: { openid: ['sub'], profile: ['name', 'preferred_username', 'oid', 'tid'], email: ['email'] },
    features: {
      devInteractions: { enabled: true },
      deviceFlow: { enabled: true },
      clientCredentials: { enabled: true },
      revocation: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: async (ctx, client, oneOf) => {
          // A refresh token that covers several resources mints for the one the scope names.
          if (oneOf) return resourcesOf(ctx.oidc.params.scope).find((r) => oneOf.includes(r)) ?? oneOf[0];
          const r = resourcesOf(ctx.oidc.params.scope);
          return r.length ? r[0] : undefined;
        },
        useGrantedResource: async () => true,
        getResourceServerInfo: async (ctx, resource) => ({
          scope: scopesFor(resource, ctx.oidc.params.scope).join(' '),
          audience: resource,
          accessTokenTTL: accessTokenTTL,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'RS256' } },
        }),
      },
    },
    pkce: { required: () => false },
    rotateRefreshToken: true,
    issueRefreshToken: async (ctx, client, code) => client.grantTypeAllowed('refresh_token') && code.scopes.has('offline_access'),
    ttl: {
      AccessToken: accessTokenTTL,
      ClientCredentials: accessTokenTTL,
      RefreshToken: refreshTokenTTL,
      DeviceCode: deviceCodeTTL,
      Grant: refreshTokenTTL,
      Session: refreshTokenTTL,
      Interaction: 600,
      IdToken: accessTokenTTL,
      AuthorizationCode: 300,
    },
    findAccount: async (ctx, sub) => ({
      accountId: sub,
      claims: async () => ({
        sub, name: `Test User ${sub}`, preferred_username: `${sub}@example.test`, email: `${sub}@example.test`, oid: guidOf(`user:${sub}`), tid,
      }),
    }),
    extraTokenClaims: async (ctx, token) => {
      const clientId = token.clientId;
      const resource = token.resourceServer?.identifier?.() ?? token.aud;
      const scopes = (token.scope || '').split(' ').filter(Boolean);
      const claims = {
        tid, appid: clientId, azp: clientId, ver: '2.0',
        oid: token.accountId ? guidOf(`user:${token.accountId}`) : guidOf(`app:${clientId}`),
      };
      if (token.kind === 'ClientCredentials') {
        claims.idtyp = 'app';
        claims.roles = clientExtras.get(clientId)?.roles || [];
      } else {
        claims.scp = scopes.filter((s) => !kOidcScopes.has(s))
          .map((s) => (typeof resource === 'string' ? shortScope(resource, s) : s)).join(' ');
      }
      return claims;
    },
    assertJwtClientAuthClaimsAndHeader: async (ctx, claims, header, client) => {
      const extra = clientExtras.get(client.clientId);
      const seen = {
        client_id: client.clientId,
        alg: header.alg,
        x5t: header.x5t,
        'x5t#S256': header['x5t#S256'],
        has_x5c: Array.isArray(header.x5c),
        kid: header.kid,
        aud: claims.aud,
        iss: claims.iss,
        sub: claims.sub,
        lifetime: claims.exp - (claims.nbf ?? claims.iat),
        jti: claims.jti,
      };
      stats.assertions.push(seen);
      if (stats.assertions.length > 100) stats.assertions.shift();
      if (!extra) return;
      const { InvalidClientAuth } = oidcErrors;
      if (!extra.assertionAlgs.includes(header.alg)) {
        throw new InvalidClientAuth(`certificate assertions signed with ${header.alg} are not accepted for this application`);
      }
      let match;
      if (header['x5t#S256']) match = extra.certs.find((c) => c.x5tS256 === header['x5t#S256']);
      else if (header.x5t) match = extra.certs.find((c) => c.x5t === header.x5t);
      else throw new InvalidClientAuth('certificate thumbprint (x5t or x5t#S256) missing from the assertion header');
      if (!match) throw new InvalidClientAuth('certificate thumbprint in the assertion header is not registered');
      if (seen.has_x5c && Buffer.from(header.x5c[0], 'base64').compare(match.der) !== 0) {
        throw new InvalidClientAuth('x5c certificate does not match the thumbprint');
      }
      if (seen.lifetime > 600 + 60) throw new InvalidClientAuth('client assertion lifetime exceeds 10 minutes');
    },
  });

  // Redirect URIs are compared as strings, the way Entra and RFC 8252 §7.3 do: exactly as
  // registered, except that a native client's loopback redirect may carry any port.
  // oidc-provider's own check compares parsed URLs, so "http://127.0.0.1" would match
  // "http://127.0.0.1:PORT/" and the suite would not notice a client that adds a slash.
  provider.Client.prototype.redirectUriAllowed = function exactRedirectUri(value) {
    if (typeof value !== 'string') return false;
    if (this.redirectUris.includes(value)) return true;
    if (this.applicationType !== 'native') return false;
    const m = /^(http:\/\/(?:127\.0\.0\.1|\[::1\]|localhost)):\d{1,5}(?=[/?#]|$)/.exec(value);
    return !!m && this.redirectUris.includes(m[1] + value.slice(m[0].length));
  };

  provider.on('grant.error', (ctx, err) => { ctx.state.oidcError = err; });
  provider.on('server_error', (ctx, err) => log('server_error', err?.stack || err));

  // Runs around every route: tenant in state, Entra additions on the way out.
  provider.use(async (ctx, next) => {
    ctx.state.tenant = tenant;
    const fault = ctx.req.entraFault;
    await next();
    if (ctx.path === tokenPath && ctx.body && typeof ctx.body === 'object') {
      if (ctx.body.error) {
        if (entraLayout) entraError(ctx, ctx.state.oidcError);
      } else {
        if (entraLayout) ctx.body.ext_expires_in = ctx.body.expires_in;
        if (ctx.body.refresh_token) {
          const cid = ctx.oidc?.client?.clientId;
          if (!refreshTokensByClient.has(cid)) refreshTokensByClient.set(cid, []);
          refreshTokensByClient.get(cid).push(ctx.body.refresh_token);
        }
        if (fault?.kind === 'expires_in_string') ctx.body.expires_in = String(ctx.body.expires_in);
        if (fault?.kind === 'missing_access_token') delete ctx.body.access_token;
      }
    } else if (entraLayout && ctx.path === devicePath && ctx.body && typeof ctx.body === 'object') {
      if (ctx.body.error) {
        entraError(ctx, ctx.state.oidcError);
      } else {
        ctx.body.interval = deviceInterval;
        ctx.body.message = `To sign in, use a web browser to open the page ${ctx.body.verification_uri} and enter the code ${ctx.body.user_code} to authenticate.`;
      }
    }
  });
  provider.on('authorization.error', (ctx, err) => log('authorization error:', err.message, err.error_description || ''));
  return provider;
}

// ---------------------------------------------------------------------------------------------
// The HTTP front: /_test/, tenant routing, faults, request records

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size > 1024 * 1024) reject(new Error('body too large'));
      else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function sendJson(res, status, obj, headers = {}) {
  const body = JSON.stringify(obj);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers });
  res.end(body);
}

const providers = new Map(); // tenant -> { provider, handler }
const pendingHangs = new Set();

function normalizeUserCode(code) {
  return String(code || '').toUpperCase().replace(/[^A-Z0-9]/g, '');
}

async function handleTest(req, res, path) {
  if (req.method === 'GET' && path === '/_test/requests') {
    sendJson(res, 200, { counts: stats.counts, requests: stats.requests, assertions: stats.assertions, federated: stats.federated, pending_faults: faults });
    return;
  }
  if (req.method !== 'POST') {
    sendJson(res, 405, { error: 'method_not_allowed' });
    return;
  }
  let body = {};
  const raw = (await readBody(req)).toString('utf8');
  if (raw) {
    try {
      body = JSON.parse(raw);
    } catch {
      sendJson(res, 400, { error: 'invalid_json' });
      return;
    }
  }
  if (path === '/_test/reset') {
    stats.counts = {};
    stats.requests = [];
    stats.assertions = [];
    stats.federated = [];
    faults = [];
    sendJson(res, 200, { ok: true });
  } else if (path === '/_test/federated/mint') {
    sendJson(res, 200, { token: mintFederated(body) });
  } else if (path === '/_test/faults') {
    const list = Array.isArray(body) ? body : [body];
    const kinds = new Set(['status', 'garbage', 'html', 'truncated', 'hang', 'close', 'expires_in_string', 'missing_access_token', 'json', 'slow']);
    for (const f of list) {
      if (!kinds.has(f.kind)) {
        sendJson(res, 400, { error: 'unknown_fault', kinds: [...kinds] });
        return;
      }
    }
    for (const f of list) {
      faults.push({ endpoint: 'token', ...f, remaining: f.count || 1 });
    }
    sendJson(res, 200, { ok: true, pending: faults.length });
  } else if (path === '/_test/device/approve') {
    const tenant = entraLayout ? (body.tenant || tenants[0]) : '';
    const provider = providers.get(tenant)?.provider;
    const code = provider && await provider.DeviceCode.findByUserCode(normalizeUserCode(body.user_code));
    if (!code) {
      sendJson(res, 404, { error: 'unknown_user_code' });
      return;
    }
    if (body.approve === false || body.deny === true || body.action === 'deny') {
      code.error = 'access_denied';
      code.errorDescription = 'the user declined the sign-in request';
    } else {
      const account = body.account || 'alice';
      const scopes = (code.params.scope || '').split(' ').filter(Boolean);
      const grant = new provider.Grant({ clientId: code.clientId, accountId: account });
      const oidc = scopes.filter((s) => kOidcScopes.has(s));
      if (oidc.length) grant.addOIDCScope(oidc.join(' '));
      const resources = resourcesOf(code.params.scope);
      for (const r of resources) {
        scopesFor(r, code.params.scope);
        const asked = scopes.filter((x) => resourceOf(x) === r);
        grant.addResourceScope(r, (asked.length ? asked : [`${r}/.default`]).join(' '));
      }
      const grantId = await grant.save();
      Object.assign(code, {
        accountId: account,
        grantId,
        authTime: Math.floor(Date.now() / 1000),
        scope: scopes.join(' '),
      });
      if (resources.length === 1) [code.resource] = resources;
      else if (resources.length > 1) code.resource = resources;
    }
    await code.save();
    sendJson(res, 200, { ok: true });
  } else if (path === '/_test/revoke') {
    let revoked = 0;
    const values = [];
    if (body.refresh_token) values.push(body.refresh_token);
    if (body.client) values.push(...(refreshTokensByClient.get(body.client) || []));
    for (const { provider } of providers.values()) {
      for (const v of values) {
        const rt = await provider.RefreshToken.find(v, { ignoreExpiration: true });
        if (rt) {
          await rt.destroy();
          if (rt.grantId) {
            const grant = await provider.Grant.find(rt.grantId, { ignoreExpiration: true });
            if (grant) await grant.destroy();
          }
          revoked += 1;
        }
      }
    }
    sendJson(res, 200, { ok: true, revoked });
  } else {
    sendJson(res, 404, { error: 'not_found' });
  }
}

function endpointOf(rest) {
  if (rest === tokenPath) return 'token';
  if (rest === devicePath) return 'devicecode';
  // The authorization endpoint and its interaction resumes (/authorize/<uid>), not /authx.
  if (rest === authorizePath || rest.startsWith(`${authorizePath}/`)) return 'authorize';
  if (rest.includes('/.well-known/openid-configuration')) return 'discovery';
  return 'other';
}

// Applies a fault that replaces the provider's answer; returns true when the request is handled.
async function applyFault(fault, req, res) {
  switch (fault.kind) {
    case 'status': {
      const status = fault.status || 500;
      const headers = {};
      if (fault.retry_after !== undefined) headers['retry-after'] = String(fault.retry_after);
      sendJson(res, status, fault.body || {
        error: status === 429 ? 'temporarily_unavailable' : 'server_error',
        error_description: `AADSTS90033: A transient error has occurred (injected HTTP ${status}). Please try again.`,
      }, headers);
      return true;
    }
    case 'json':
      sendJson(res, fault.status || 200, fault.body || {});
      return true;
    case 'garbage':
      res.writeHead(fault.status || 200, { 'content-type': 'application/json' });
      res.end('this is { not JSON ]');
      return true;
    case 'html':
      res.writeHead(fault.status || 200, { 'content-type': 'text/html; charset=utf-8' });
      res.end('<!DOCTYPE html><html><head><title>Sign in</title></head><body><p>Proxy login required</p></body></html>');
      return true;
    case 'truncated':
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"token_type":"Bearer","expires_in":3599,"access_tok');
      return true;
    case 'close':
      req.socket.destroy();
      return true;
    case 'hang': {
      // Holds the connection open and answers nothing for `seconds`, then drops it.
      const seconds = fault.seconds ?? 30;
      await new Promise((resolve) => {
        const t = setTimeout(resolve, seconds * 1000);
        pendingHangs.add(t);
        req.socket.once('close', () => { clearTimeout(t); resolve(); });
      });
      req.socket.destroy();
      return true;
    }
    case 'slow': {
      // Waits `seconds`, then lets the provider answer as usual (a slow but working provider).
      await new Promise((resolve) => {
        const t = setTimeout(resolve, (fault.seconds ?? 1) * 1000);
        pendingHangs.add(t);
      });
      return false;
    }
    default:
      return false; // response-rewriting faults run inside the provider
  }
}

// Entra lets a user's refresh token mint access tokens for any resource the application has
// permissions for; oidc-provider only for the resources of the original sign-in (otherwise
// invalid_scope "refresh token missing requested scope"). For a client whose config lists
// `consented_resources`, a refresh request naming such a resource adds it, with the requested
// scopes, to the refresh token and its grant before oidc-provider sees the request; any other
// resource is refused by oidc-provider as before. The refresh token's value does not change.
async function widenRefreshToken(provider, form) {
  if (!form.refresh_token || !form.scope) return;
  const rt = await provider.RefreshToken.find(String(form.refresh_token), { ignoreExpiration: true });
  const consented = rt && clientExtras.get(rt.clientId)?.consented;
  if (!consented?.length || rt.consumed || rt.isExpired) return;
  const have = rt.resourceIndicators;
  const wanted = resourcesOf(form.scope).filter((r) => !have.has(r));
  if (!wanted.length || !wanted.every((r) => consented.includes(r))) return;
  const grant = await provider.Grant.find(rt.grantId, { ignoreExpiration: true });
  if (!grant) return;
  const asked = String(form.scope).split(' ').filter(Boolean);
  for (const r of wanted) {
    scopesFor(r, form.scope);
    const scopes = asked.filter((x) => resourceOf(x) === r);
    grant.addResourceScope(r, scopes.join(' '));
  }
  await grant.save();
  rt.resource = [...have].filter(Boolean).concat(wanted);
  rt.scope = [...new Set([...(rt.scope || '').split(' ').filter(Boolean), ...asked])].join(' ');
  await rt.save();
}

async function handle(req, res) {
  const url = new URL(req.url, 'http://127.0.0.1');
  const path = url.pathname;
  if (path.startsWith('/_test/')) {
    await handleTest(req, res, path);
    return;
  }
  const m = entraLayout ? /^\/([^/]+)(\/.*)?$/.exec(path) : [path, '', path];
  if (!m) {
    sendJson(res, 404, { error: 'not_found' });
    return;
  }
  const tenant = decodeURIComponent(m[1]);
  let rest = m[2] || '/';
  const mounted = providers.get(tenant);
  const endpoint = endpointOf(rest);
  if (!mounted) {
    if (endpoint !== 'other') record({ endpoint, tenant, method: req.method, path, status: 400 });
    sendJson(res, 400, {
      error: 'invalid_request',
      error_description: `AADSTS90002: Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`,
      error_codes: [90002],
    });
    return;
  }
  if (rest === '/v2.0/.well-known/openid-configuration') rest = '/.well-known/openid-configuration';

  let form;
  if (req.method === 'POST' && /x-www-form-urlencoded/.test(req.headers['content-type'] || '')) {
    const raw = await readBody(req);
    form = querystring.parse(raw.toString('utf8'));
    req.body = raw; // oidc-provider reads an already-consumed body from here
  }
  if (endpoint === 'authorize' && req.method === 'GET') {
    // Entra issues refresh tokens for offline_access without prompt=consent, and accepts
    // prompt=select_account; oidc-provider needs the one and rejects the other.
    const prompt = (url.searchParams.get('prompt') || '').split(' ').filter((p) => p && p !== 'select_account');
    if ((url.searchParams.get('scope') || '').split(' ').includes('offline_access') && !prompt.includes('consent')) {
      prompt.push('consent');
    }
    if (prompt.length) url.searchParams.set('prompt', prompt.join(' '));
    else url.searchParams.delete('prompt');
  }
  const entry = endpoint === 'other' ? undefined : describeRequest(endpoint, tenant, req, form);

  if (entraLayout && endpoint === 'token' && form && form.grant_type === 'client_credentials') {
    const scopes = (form.scope || '').split(' ').filter(Boolean);
    if (!scopes.length || !scopes.every((s) => s.endsWith('/.default'))) {
      if (entry) { entry.status = 400; record(entry); }
      sendJson(res, 400, {
        error: 'invalid_scope',
        error_description: `AADSTS1002012: The provided value for scope ${form.scope || '(none)'} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
        error_codes: [1002012],
      });
      return;
    }
  }

  const fed = endpoint === 'token' && form?.client_assertion ? federatedClients.get(form.client_id) : undefined;
  if (fed) {
    const refusal = checkFederated(fed, form.client_assertion);
    if (refusal) {
      if (entry) { entry.status = 401; record(entry); }
      sendJson(res, 401, refusal);
      return;
    }
    delete form.client_assertion;
    delete form.client_assertion_type;
    form.client_secret = fed.secret;
    req.body = Buffer.from(querystring.stringify(form));
    req.headers['content-length'] = String(req.body.length);
  }

  const fault = endpoint === 'other' ? undefined : takeFault(endpoint);
  if (entry) {
    if (fault) entry.fault = fault.kind;
    record(entry);
    res.on('finish', () => { entry.status = res.statusCode; });
  }
  if (fault && await applyFault(fault, req, res)) return;
  req.entraFault = fault;

  if (endpoint === 'token' && form?.grant_type === 'refresh_token') await widenRefreshToken(mounted.provider, form);

  req.originalUrl = entraLayout ? `/${m[1]}${rest}${url.search}` : `${rest}${url.search}`;
  req.url = `${rest}${url.search}`;
  mounted.handler(req, res);
}

const server = args.cert
  ? https.createServer({ cert: fs.readFileSync(args.cert), key: fs.readFileSync(args.key) })
  : http.createServer();
server.on('request', (req, res) => {
  handle(req, res).catch((err) => {
    log('error:', err?.stack || err);
    if (!res.headersSent) sendJson(res, 500, { error: 'server_error', error_description: String(err?.message || err) });
    else res.destroy();
  });
});
server.listen(args.port, '127.0.0.1', () => {
  const { port } = server.address();
  const base = `${args.cert ? 'https' : 'http'}://127.0.0.1:${port}`;
  for (const t of tenants) {
    const provider = makeProvider(base, t);
    providers.set(t, { provider, handler: provider.callback() });
  }
  const issuer = entraLayout ? `${base}/${tenants[0]}/v2.0` : base;
  process.stdout.write(`${JSON.stringify({ port, issuer, base_url: base, layout })}\n`);
  log(entraLayout ? `listening on ${base} for tenants ${tenants.join(', ')}` : `listening on ${base} (oidc layout)`);
});

const stop = () => {
  for (const t of pendingHangs) clearTimeout(t);
  server.close();
  server.closeAllConnections?.();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
