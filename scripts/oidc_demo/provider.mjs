// A tiny OpenID provider for development and the tests (panva's oidc-provider): one
// client, anyone may sign in with any password, and the login is the email.
//
//   node scripts/oidc_demo/provider.mjs [port]
//
// Environment: OIDC_DEMO_PORT (default 8001; argv[2] wins), OIDC_DEMO_CLIENT_ID,
// OIDC_DEMO_CLIENT_SECRET, OIDC_DEMO_REDIRECT_URIS (comma-separated). Claims are
// {sub, email, email_verified, name}; a login whose local part ends in "+unverified"
// (ana+unverified@example.com) has email_verified false. Plain http on 127.0.0.1: for
// development only, never in front of real people.
import { randomBytes } from 'node:crypto';

import Provider from 'oidc-provider';

const port = Number(process.argv[2] || process.env.OIDC_DEMO_PORT || 8001);
const issuer = `http://127.0.0.1:${port}`;
const clientId = process.env.OIDC_DEMO_CLIENT_ID || 'lodestar';
const clientSecret = process.env.OIDC_DEMO_CLIENT_SECRET || 'lodestar-demo-secret';
const redirectUris = (process.env.OIDC_DEMO_REDIRECT_URIS || 'http://127.0.0.1:8000/sso/callback/')
  .split(',').map((uri) => uri.trim()).filter(Boolean);

function claimsOf(login) {
  const email = login.trim().toLowerCase();
  const [local] = email.split('@');
  const name = local.replace(/\+.*$/, '').split(/[._-]+/)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1)).join(' ');
  return { sub: email, email, email_verified: !local.endsWith('+unverified'), name };
}

const provider = new Provider(issuer, {
  clients: [{
    client_id: clientId,
    client_secret: clientSecret,
    redirect_uris: redirectUris,
    grant_types: ['authorization_code'],
    response_types: ['code'],
  }],
  // Random per start: sessions at the provider do not outlive it.
  cookies: { keys: [randomBytes(32).toString('hex')] },
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  async findAccount(_ctx, id) {
    return { accountId: id, async claims() { return claimsOf(id); } };
  },
  // Lodestar is the provider's own first-party client: no consent screen.
  async loadExistingGrant(ctx) {
    const { client, session } = ctx.oidc;
    const grantId = ctx.oidc.result?.consent?.grantId || session.grantIdFor(client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({ clientId: client.clientId, accountId: session.accountId });
    grant.addOIDCScope('openid email profile');
    await grant.save();
    return grant;
  },
  features: { devInteractions: { enabled: true } },
});

provider.listen(port, '127.0.0.1', () => {
  console.log(`OpenID provider (demo) at ${issuer}/.well-known/openid-configuration, client ${clientId}`);
});
