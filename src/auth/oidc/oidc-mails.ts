import type { Logger } from 'pino';
import type { OidcProviderConfig } from '../../config/oidc-config';
import type { Messages } from '../../http/i18n';
import type { Mailer } from '../../mail/mailer';

export interface OidcMailsDeps {
  readonly mailer: Mailer;
  readonly logger: Pick<Logger, 'error'>;
  readonly publicUrl: URL;
  readonly siteName: string;
  readonly messages: Messages;
}

/** What the provider part mails; sent after the answer (a slow mail server holds up no page). */
export class OidcMails {
  constructor(private readonly deps: OidcMailsDeps) {}

  /** The link that proves an email the provider did not vouch for (or was not trusted to). */
  confirmEmail(provider: OidcProviderConfig, email: string, token: string, accountExists: boolean): void {
    const { messages, siteName: site } = this.deps;
    const link = new URL(`/signin/oidc/verify/${token}`, this.deps.publicUrl).href;
    this.send(
      {
        to: email,
        subject: messages.t('mail.verifySubject', { site }),
        text: messages.t(accountExists ? 'oidc.mailConfirmSignin' : 'oidc.mailConfirmSignup', { site, label: provider.label, link }),
      },
      'could not send the provider email confirmation',
    );
  }

  /**
   * A new way into the account is worth a mail, however it was linked (from the account page,
   * or on an email the provider vouched for): its owner learns of one they did not make.
   */
  identityLinked(accountEmail: string, provider: OidcProviderConfig, emailThere: string | undefined): void {
    const { messages, siteName: site } = this.deps;
    const there = emailThere === undefined || emailThere === '' ? '' : ` (${emailThere})`;
    const link = new URL('/account', this.deps.publicUrl).href;
    this.send(
      {
        to: accountEmail,
        subject: messages.t('oidc.mailLinkedSubject', { label: provider.label, site }),
        text: messages.t('oidc.mailLinkedText', { label: provider.label, site, there, link }),
      },
      'could not send the identity-linked mail',
    );
  }

  private send(mail: { to: string; subject: string; text: string }, failure: string): void {
    this.deps.mailer.send(mail).catch((error: unknown) => this.deps.logger.error({ err: error }, failure));
  }
}
