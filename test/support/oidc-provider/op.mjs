// A real OpenID Provider (node oidc-provider, the certified implementation) for the tests,
// in its own process: `node op.mjs` with
//   OP_CLIENTS           JSON [{ client_id, client_secret, redirect_uris }]
//   OP_CLOCK_OFFSET_MS   shifts this process's clock (an OP whose ID tokens are already expired)
//   OP_ID_TOKEN_CLAIMS=1 puts email claims in the ID token (by default only userinfo has them)
//   OP_PORT              a port of the test's choosing (a provider that comes back up)
// It listens on a loopback port (of its own choosing unless OP_PORT) and prints {"port":N} on stdout.
// The login has no UI: the test queues who signs in next (POST /_test/next-login with
// { sub, email, email_verified } or { deny: true }), and the interaction takes it.
import http from 'node:http';
import { generateKeyPairSync, randomBytes } from 'node:crypto';

const offset = Number(process.env.OP_CLOCK_OFFSET_MS ?? 0);
if (offset !== 0) {
  const RealDate = Date;
  class ShiftedDate extends RealDate {
    constructor(...args) {
      if (args.length === 0) super(RealDate.now() + offset);
      else super(...args);
    }
    static now() {
      return RealDate.now() + offset;
    }
  }
  globalThis.Date = ShiftedDate;
}

const { default: Provider } = await import('oidc-provider');

const users = new Map();
const queue = [];
const server = http.createServer();
await new Promise((resolve) => server.listen(Number(process.env.OP_PORT ?? 0), '127.0.0.1', resolve));
const { port } = server.address();
const issuer = `http://127.0.0.1:${port}`;

const clients = JSON.parse(process.env.OP_CLIENTS ?? '[]').map((c) => ({ response_types: ['code'], grant_types: ['authorization_code'], token_endpoint_auth_method: 'client_secret_post', ...c }));
const jwk = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });

const provider = new Provider(issuer, {
  clients,
  jwks: { keys: [{ ...jwk, kid: 'test', use: 'sig', alg: 'RS256' }] },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  conformIdTokenClaims: process.env.OP_ID_TOKEN_CLAIMS !== '1',
  pkce: { required: () => true },
  features: { devInteractions: { enabled: false } },
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  findAccount: (_ctx, sub) => {
    const user = users.get(sub);
    if (user === undefined) return undefined;
    return { accountId: sub, claims: () => ({ sub, email: user.email, email_verified: user.email_verified, name: user.name ?? 'Test Reader' }) };
  },
});
const handle = provider.callback();

function readJson(req) {
  return new Promise((resolve, reject) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      try {
        resolve(JSON.parse(body || '{}'));
      } catch (error) {
        reject(error);
      }
    });
  });
}

async function interaction(req, res) {
  const details = await provider.interactionDetails(req, res);
  const next = queue.shift();
  if (next === undefined || next.deny) {
    return provider.interactionFinished(req, res, { error: 'access_denied', error_description: 'The reader said no' }, { mergeWithLastSubmission: false });
  }
  users.set(next.sub, next);
  // Login and consent in one step: the grant covers what the client asked for.
  const grant = new provider.Grant({ accountId: next.sub, clientId: details.params.client_id });
  grant.addOIDCScope(String(details.params.scope));
  const grantId = await grant.save();
  await provider.interactionFinished(req, res, { login: { accountId: next.sub }, consent: { grantId } }, { mergeWithLastSubmission: false });
}

server.on('request', (req, res) => {
  const path = (req.url ?? '').split('?')[0];
  if (req.method === 'POST' && path === '/_test/next-login') {
    readJson(req).then(
      (user) => {
        queue.push(user);
        res.writeHead(204).end();
      },
      () => res.writeHead(400).end(),
    );
    return;
  }
  if (req.method === 'GET' && path.startsWith('/interaction/')) {
    interaction(req, res).catch((error) => {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(String(error?.stack ?? error));
    });
    return;
  }
  handle(req, res);
});

process.stdout.write(`${JSON.stringify({ port })}\n`);
process.on('SIGTERM', () => server.close(() => process.exit(0)));
