/** A sign-in code to mail. */
export interface LoginCodeMail {
  to: string;
  code: string;
  expiresAt: Date;
}

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** The sign-in mail: subject, plain text and HTML, each with the code and when it expires. */
export function loginCodeMail({ code, expiresAt }: LoginCodeMail): { subject: string; text: string; html: string } {
  const expiry = `${expiresAt.toISOString().replace('T', ' ').slice(0, 16)} UTC`;
  return {
    subject: `Your sign-in code: ${code}`,
    text: [
      `Your sign-in code is ${code}.`,
      '',
      `It works once and expires at ${expiry} (10 minutes after it was sent).`,
      'If you did not ask for it, ignore this mail.',
    ].join('\n'),
    html: [
      '<!doctype html><html><body style="font-family:sans-serif">',
      '<p>Your sign-in code is</p>',
      `<p style="font-size:28px;letter-spacing:4px;font-weight:bold">${escapeHtml(code)}</p>`,
      `<p>It works once and expires at ${escapeHtml(expiry)} (10 minutes after it was sent).</p>`,
      '<p>If you did not ask for it, ignore this mail.</p>',
      '</body></html>',
    ].join(''),
  };
}
