import './style.css';
import { ChatClient, type Viewer } from '../../client';
import { ChatShell } from './chat-shell';
import { signInForm } from './sign-in';

const TOKEN_KEY = 'chat.token';
const root = document.getElementById('app')!;
let shell: ChatShell | undefined;

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
  shell?.destroy();
  shell = undefined;
  root.replaceChildren(signInForm(client, showChat));
}

function showChat(viewer: Viewer): void {
  shell?.destroy();
  shell = new ChatShell(client, viewer);
  root.replaceChildren(shell.element);
  void shell.start();
}

async function start(): Promise<void> {
  const viewer = client.token ? await client.me().catch(() => null) : null;
  if (viewer) showChat(viewer);
  else showSignIn();
}

void start();
