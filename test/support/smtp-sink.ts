import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/** A real SMTP server on loopback that keeps every mail it is given, for tests to read back. */
export class SmtpSink {
  private readonly mails: ParsedMail[] = [];
  private readonly waiters: { to: string; resolve: (mail: ParsedMail) => void }[] = [];
  private readonly server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData: (stream, _session, callback) => {
      simpleParser(stream).then(
        (mail) => {
          this.deliver(mail);
          callback();
        },
        (error: Error) => callback(error),
      );
    },
  });

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
  }

  get url(): string {
    return `smtp://127.0.0.1:${(this.server.server.address() as AddressInfo).port}`;
  }

  /** Every mail received so far for this address. */
  mailsTo(to: string): ParsedMail[] {
    return this.mails.filter((m) => recipients(m).includes(to));
  }

  /** The next mail for `to` that arrives (or the oldest unread one already here). */
  nextMailTo(to: string): Promise<ParsedMail> {
    const waiting = this.unread.get(to);
    if (waiting?.length) return Promise.resolve(waiting.shift()!);
    return new Promise((resolve) => this.waiters.push({ to, resolve }));
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private readonly unread = new Map<string, ParsedMail[]>();

  private deliver(mail: ParsedMail): void {
    this.mails.push(mail);
    for (const to of recipients(mail)) {
      const index = this.waiters.findIndex((w) => w.to === to);
      if (index >= 0) this.waiters.splice(index, 1)[0].resolve(mail);
      else this.unread.set(to, [...(this.unread.get(to) ?? []), mail]);
    }
  }
}

function recipients(mail: ParsedMail): string[] {
  const to = Array.isArray(mail.to) ? mail.to : mail.to ? [mail.to] : [];
  return to.flatMap((a) => a.value.map((v) => (v.address ?? '').toLowerCase()));
}

/** The 6-digit code in a sign-in mail's plain-text part. */
export function codeIn(mail: ParsedMail): string {
  const match = /\b(\d{6})\b/.exec(mail.text ?? '');
  if (!match) throw new Error(`no code in mail: ${mail.text}`);
  return match[1];
}
