import fs from 'node:fs/promises';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import nodemailer, { type Transporter } from 'nodemailer';
import type { Logger } from 'pino';
import type { Clock } from '../config/clock';

export interface Mail {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
}

export interface Mailer {
  send(mail: Mail): Promise<void>;
}

/**
 * Mail through SMTP_URL, or, without it, one `.eml` file per message in DATA_DIR/outbox/
 * (its subject logged), so that the embedded default works with no mail server.
 */
export function buildMailer(options: { smtpUrl: string | undefined; outboxDir: string; from: string; logger: Logger; clock: Clock }): Mailer {
  const transport: Transporter =
    options.smtpUrl !== undefined ? nodemailer.createTransport(options.smtpUrl) : nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  return {
    async send(mail) {
      const info = await transport.sendMail({ from: options.from, to: mail.to, subject: mail.subject, text: mail.text });
      if (options.smtpUrl !== undefined) return;
      await fs.mkdir(options.outboxDir, { recursive: true });
      const file = path.join(options.outboxDir, `${new Date(options.clock()).toISOString().replace(/[:.]/g, '-')}-${randomUUID()}.eml`);
      await fs.writeFile(file, (info as unknown as { message: Buffer }).message, { mode: 0o600 });
      options.logger.info({ subject: mail.subject, file }, 'mail written to the outbox');
    },
  };
}
