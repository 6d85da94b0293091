import type { Logger } from 'pino';
import type { OidcProviderConfig } from '../../config/oidc-config';
import type { Mailer } from '../../mail/mailer';

export interface OidcMailsDeps {
  readonly mailer: Mailer;
  readonly logger: Pick<Logger, 'error'>;
  readonly publicUrl: URL;
  readonly siteName: string;
}

/** What the provider part mails; sent after the answer (a slow mail server holds up no page). */
export class OidcMails {
  constructor(private readonly deps: OidcMailsDeps) {}

  /** The link that proves an email the provider did not vouch for (or was not trusted to). */
  confirmEmail(provider: OidcProviderConfig, email: string, token: string, accountExists: boolean): void {
    const link = new URL(`/signin/oidc/verify/${token}`, this.deps.publicUrl).href;
    const site = this.deps.siteName;
    const what = accountExists ? `to sign in to your ${site} account with ${provider.label}` : `to create your free ${site} account with ${provider.label}`;
    this.send(
      {
        to: email,
        subject: `Confirm your email address for ${site}`,
        text: `Before this email address can be used ${what}, we need to know it is yours. Open this link within 30 minutes, in the browser where you chose "Continue with ${provider.label}":\n\n${link}\n\nIf it was not you, ignore this mail: nothing changes without the link.\n`,
      },
      'could not send the provider email confirmation',
    );
  }

  /**
   * A new way into the account is worth a mail, however it was linked (from the account page,
   * or on an email the provider vouched for): its owner learns of one they did not make.
   */
  identityLinked(accountEmail: string, provider: OidcProviderConfig, emailThere: string | undefined): void {
    const site = this.deps.siteName;
    const there = emailThere === undefined || emailThere === '' ? '' : ` (${emailThere})`;
    this.send(
      {
        to: accountEmail,
        subject: `${provider.label} was linked to your ${site} account`,
        text: [
          `A ${provider.label} account${there} was linked to your ${site} account just now: "Continue with ${provider.label}" now signs in to it.`,
          '',
          `If this was not you, unlink it and change your password at ${new URL('/account', this.deps.publicUrl).href}`,
          '',
        ].join('\n'),
      },
      'could not send the identity-linked mail',
    );
  }

  private send(mail: { to: string; subject: string; text: string }, failure: string): void {
    this.deps.mailer.send(mail).catch((error: unknown) => this.deps.logger.error({ err: error }, failure));
  }
}
