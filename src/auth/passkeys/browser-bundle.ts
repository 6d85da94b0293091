import fs from 'node:fs';
import path from 'node:path';
import { Router } from 'express';

/**
 * @simplewebauthn/browser's bundle, from this site (the CSP allows scripts from 'self' only).
 * The package's exports map does not name the bundle, so it is found by path from the
 * package's folder. The major version is in the address: within one it is compatible, so
 * browsers may keep it for long; a new major version is a new address (and a failing
 * browser test until views/passkey-signin.eta and account-passkeys.eta name it).
 */
const packageDir = path.dirname(path.dirname(require.resolve('@simplewebauthn/browser')));
const bundleFile = path.join(packageDir, 'dist', 'bundle', 'index.umd.min.js');
const major = (JSON.parse(fs.readFileSync(path.join(packageDir, 'package.json'), 'utf8')) as { version: string }).version.split('.')[0]!;

export const webauthnBundlePath = `/gatehouse/simplewebauthn-browser-v${major}.js`;

export function browserBundleRoutes(): Router {
  const router = Router();
  router.get(webauthnBundlePath, (_req, res) => {
    // Set here, over the app's no-store for signed-in readers: the file is the same for everyone.
    res.set('Cache-Control', `public, max-age=${30 * 24 * 60 * 60}`);
    res.sendFile(bundleFile, { cacheControl: false, headers: { 'Content-Type': 'text/javascript; charset=utf-8' } });
  });
  return router;
}
