import fs from 'node:fs';
import path from 'node:path';

/**
 * Waits for the newest mail to `to` in DATA_DIR/outbox (whose text matches `pattern`, when
 * given: a reader gets several mails, e.g. the sign-up confirmation before a reset) and
 * returns its decoded text.
 */
export async function mailTo(dataDir: string, to: string, timeoutMs = 3_000, pattern?: RegExp): Promise<string> {
  const outbox = path.join(dataDir, 'outbox');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const files = fs.existsSync(outbox) ? fs.readdirSync(outbox).filter((f) => f.endsWith('.eml')).sort() : [];
    for (const file of files.reverse()) {
      const raw = fs.readFileSync(path.join(outbox, file), 'utf8');
      if (new RegExp(`^To: .*${to.replace(/[.+]/g, '\\$&')}`, 'mi').test(raw)) {
        // Quoted-printable: soft line breaks and =XX escapes.
        const text = raw.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
        if (pattern === undefined || pattern.test(text)) return text;
      }
    }
    if (Date.now() > deadline) throw new Error(`no mail to ${to} in ${outbox}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const resetLink = /https?:\/\/\S+\/password\/reset\/[A-Za-z0-9_-]{43}/;

/** Waits for the newest password-reset mail to `to`. */
export function resetMailTo(dataDir: string, to: string): Promise<string> {
  return mailTo(dataDir, to, 3_000, resetLink);
}

export function resetLinkIn(mail: string): URL {
  const match = resetLink.exec(mail);
  if (!match) throw new Error(`no reset link in the mail:\n${mail}`);
  return new URL(match[0]);
}
