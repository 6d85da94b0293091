import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import { z } from 'zod';

/** What the browser sends back, checked for shape at the edge; the library checks the rest. */
const base64url = z.string().max(16_384).regex(/^[A-Za-z0-9_-]*$/, 'must be base64url');
const transports = z.array(z.enum(['ble', 'cable', 'hybrid', 'internal', 'nfc', 'smart-card', 'usb'])).max(8);
const common = {
  id: base64url.min(1).max(1_400),
  rawId: base64url.min(1).max(1_400),
  type: z.literal('public-key'),
  clientExtensionResults: z.record(z.string(), z.unknown()).default({}),
  authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
};

export const registrationBody = z.object({
  response: z.object({
    ...common,
    response: z.object({
      clientDataJSON: base64url,
      attestationObject: base64url,
      authenticatorData: base64url.optional(),
      transports: transports.optional(),
      publicKeyAlgorithm: z.number().int().optional(),
      publicKey: base64url.optional(),
    }),
  }),
  // eslint-disable-next-line no-control-regex
  name: z.string().trim().max(100).regex(/^[^\u0000-\u001f\u007f]*$/, 'must not hold control characters').optional(),
});

export const authenticationBody = z.object({
  response: z.object({
    ...common,
    response: z.object({
      clientDataJSON: base64url,
      authenticatorData: base64url,
      signature: base64url,
      userHandle: base64url.optional(),
    }),
  }),
  returnTo: z.string().max(2048).optional(),
});

export const asRegistration = (body: z.infer<typeof registrationBody>): RegistrationResponseJSON => body.response as RegistrationResponseJSON;
export const asAuthentication = (body: z.infer<typeof authenticationBody>): AuthenticationResponseJSON => body.response as AuthenticationResponseJSON;
