import '../style.css';
import './admin.css';
import { ChatClient, type Viewer } from '../../../client';
import { h } from '../dom';
import { signInForm } from '../sign-in';
import { AdminPage } from './admin-page';

/** The operations page at /admin: the chat page's session (same origin, same storage), for admins only. */
const TOKEN_KEY = 'chat.token';
const root = document.getElementById('admin')!;
let page: AdminPage | undefined;

const client = new ChatClient({
  url: location.origin,
  token: localStorage.getItem(TOKEN_KEY),
  onTokenChange: (token) => {
    if (token) localStorage.setItem(TOKEN_KEY, token);
    else {
      localStorage.removeItem(TOKEN_KEY);
      showSignIn();
    }
  },
});

function showSignIn(): void {
  page?.destroy();
  page = undefined;
  root.replaceChildren(signInForm(client, show));
}

function show(viewer: Viewer): void {
  page?.destroy();
  page = undefined;
  if (!viewer.isAdmin) {
    root.replaceChildren(
      h(
        'main',
        { class: 'sign-in' },
        h('h1', {}, 'Operations'),
        h('p', { role: 'alert' }, `This page is for admins; ${viewer.email} is not one.`),
        h('a', { href: '/app/' }, 'Back to the chat'),
      ),
    );
    return;
  }
  page = new AdminPage(client, viewer);
  root.replaceChildren(page.element);
  void page.refresh();
}

async function start(): Promise<void> {
  const viewer = client.token ? await client.me().catch(() => null) : null;
  if (viewer) show(viewer);
  else showSignIn();
}

void start();
