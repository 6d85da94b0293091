import fs from 'node:fs';
import path from 'node:path';

/** Every mail to `to` in DATA_DIR/outbox so far, oldest first, decoded. */
export function mailsTo(dataDir: string, to: string): string[] {
  const outbox = path.join(dataDir, 'outbox');
  const files = fs.existsSync(outbox) ? fs.readdirSync(outbox).filter((f) => f.endsWith('.eml')).sort() : [];
  const addressed = new RegExp(`^To: .*${to.replace(/[.+]/g, '\\$&')}`, 'mi');
  return files
    .map((file) => fs.readFileSync(path.join(outbox, file), 'utf8'))
    .filter((raw) => addressed.test(raw))
    .map((raw) => raw.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))));
}

/** Waits for the newest mail to `to` whose text matches `pattern` (mails go out after the answer). */
export async function mailMatching(dataDir: string, to: string, pattern: RegExp, timeoutMs = 3_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = mailsTo(dataDir, to).filter((mail) => pattern.test(mail)).pop();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`no mail to ${to} matching ${pattern}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const signinLink = /https?:\/\/\S+(\/signin\/email\/[A-Za-z0-9_-]{43})/;
const verifyLink = /https?:\/\/\S+(\/account\/verify\/[A-Za-z0-9_-]{43})/;

/** The newest sign-in (or sign-up) link mailed to `to`, as a path, with its code; `after` waits for a link mail past that many. */
export async function signinLinkTo(dataDir: string, to: string, after = 0): Promise<{ path: string; code: string }> {
  const deadline = Date.now() + 3_000;
  for (;;) {
    const mails = mailsTo(dataDir, to).filter((mail) => signinLink.test(mail));
    if (mails.length > after) {
      const mail = mails[mails.length - 1]!;
      return { path: signinLink.exec(mail)![1]!, code: /asked for the link: (\d{6})/.exec(mail)![1]! };
    }
    if (Date.now() > deadline) throw new Error(`no sign-in link mailed to ${to}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The newest verification link mailed to `to`, as a path. */
export async function verifyLinkTo(dataDir: string, to: string): Promise<string> {
  return verifyLink.exec(await mailMatching(dataDir, to, verifyLink))![1]!;
}
