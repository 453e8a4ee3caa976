import { type ChatClient, ChatError, type Viewer } from '../../client';
import { h } from './dom';

const explain = (error: unknown): string => {
  if (!(error instanceof ChatError)) return 'Something went wrong. Try again.';
  if (error.code === 'INVALID_CODE') {
    const left = error.extensions.attemptsLeft;
    return `That code is not valid${typeof left === 'number' ? ` (${left} tries left)` : ''}. Check the mail or ask for a new code.`;
  }
  if (error.code === 'RATE_LIMITED') return `Too many tries. Wait ${error.retryAfterSeconds ?? 60} seconds.`;
  if (error.code === 'NETWORK_ERROR') return 'The server cannot be reached. Check the connection and try again.';
  return error.message;
};

/** Sign-in in two steps: the email, then the 6-digit code mailed to it (or, in development, logged by the server). */
export function signInForm(client: ChatClient, signedIn: (viewer: Viewer) => void): HTMLElement {
  const alert = h('p', { class: 'alert', role: 'alert' });
  const email = h('input', { id: 'email', type: 'email', name: 'email', autocomplete: 'email', required: true });
  const code = h('input', {
    id: 'code',
    name: 'code',
    inputmode: 'numeric',
    autocomplete: 'one-time-code',
    pattern: '[0-9]{6}',
    maxlength: 6,
    required: true,
  });
  const where = h('p', { class: 'where' });
  const codeStep = h(
    'form',
    { class: 'stack', hidden: true, 'aria-label': 'Enter the code' },
    where,
    h('label', { for: 'code' }, 'Code'),
    code,
    h('button', { type: 'submit' }, 'Sign in'),
  );
  const emailStep = h(
    'form',
    { class: 'stack', 'aria-label': 'Sign in' },
    h('label', { for: 'email' }, 'Email'),
    email,
    h('button', { type: 'submit' }, 'Send me a code'),
  );
  const busy = async (form: HTMLFormElement, work: () => Promise<void>) => {
    const button = form.querySelector('button')!;
    button.disabled = true;
    alert.textContent = '';
    try {
      await work();
    } catch (error) {
      alert.textContent = explain(error);
    } finally {
      button.disabled = false;
    }
  };
  emailStep.addEventListener('submit', (event) => {
    event.preventDefault();
    void busy(emailStep, async () => {
      const ticket = await client.requestLoginCode(email.value);
      where.textContent =
        ticket.delivery === 'SERVER_LOG'
          ? "This development server mails nothing (SMTP_URL is not set): the 6-digit code is in the server's log, " +
            `on the line "login code for ${ticket.email}" in the terminal where it runs.`
          : `We mailed a 6-digit code to ${ticket.email}.`;
      emailStep.hidden = true;
      codeStep.hidden = false;
      code.focus();
    });
  });
  codeStep.addEventListener('submit', (event) => {
    event.preventDefault();
    void busy(codeStep, async () => signedIn(await client.verifyLoginCode(email.value, code.value.trim())));
  });
  return h('main', { class: 'sign-in' }, h('h1', {}, 'Chat'), emailStep, codeStep, alert);
}
