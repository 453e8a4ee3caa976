import nodemailer, { type Transporter } from 'nodemailer';
import type { Logger } from 'pino';
import { loginCodeMail, type LoginCodeMail } from './login-code.mail';

/** Where a login code goes: mailed, or (development, without SMTP_URL) written to the server's log. */
export enum CodeDelivery {
  MAIL = 'MAIL',
  SERVER_LOG = 'SERVER_LOG',
}

/** Sends the server's mail. `sendLoginCode` rejects when the mail was not accepted for delivery. */
export interface Mailer {
  /** Where the codes this mailer sends end up (told to the client, so it can say where to look). */
  readonly delivery: CodeDelivery;
  sendLoginCode(mail: LoginCodeMail): Promise<void>;
  close(): Promise<void>;
}

/** Mails through an SMTP server (SMTP_URL) with nodemailer. */
export class SmtpMailer implements Mailer {
  readonly delivery = CodeDelivery.MAIL;
  private readonly transport: Transporter;

  constructor(
    smtpUrl: string,
    private readonly from: string,
  ) {
    this.transport = nodemailer.createTransport(smtpUrl);
  }

  async sendLoginCode(mail: LoginCodeMail): Promise<void> {
    await this.transport.sendMail({ from: this.from, to: mail.to, ...loginCodeMail(mail) });
  }

  async close(): Promise<void> {
    this.transport.close();
  }
}

/**
 * The development fallback when SMTP_URL is unset (refused in production): the code is written to the log,
 * the only place a code is ever logged.
 */
export class LogMailer implements Mailer {
  readonly delivery = CodeDelivery.SERVER_LOG;

  constructor(private readonly logger: Logger) {}

  async sendLoginCode(mail: LoginCodeMail): Promise<void> {
    this.logger.info(
      { to: mail.to, code: mail.code, expiresAt: mail.expiresAt.toISOString() },
      `login code for ${mail.to}: ${mail.code} (development mail fallback; set SMTP_URL to mail it)`,
    );
  }

  async close(): Promise<void> {}
}
