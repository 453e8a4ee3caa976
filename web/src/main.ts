import './style.css';
import { ChatClient, ChatError, type Viewer } from '../../client';
import { IndexedDbMessageStore } from '../../client/browser/indexeddb-message-store';
import { ChatShell } from './chat-shell';
import { savedSession } from './saved-session';
import { signInForm } from './sign-in';

const TOKEN_KEY = 'chat.token';
const root = document.getElementById('app')!;
let shell: ChatShell | undefined;

const client = new ChatClient({
  url: location.origin,
  token: localStorage.getItem(TOKEN_KEY),
  // The newest messages of each channel opened, so a channel draws at once and the page works offline. The client
  // keeps it to the signed-in user and clears it at sign-out.
  messageStore: new IndexedDbMessageStore(),
  onTokenChange: (token) => {
    if (token) localStorage.setItem(TOKEN_KEY, token);
    else {
      localStorage.removeItem(TOKEN_KEY);
      savedSession.forget();
      showSignIn();
    }
  },
});

// The page and its assets from the service worker's cache when there is no network (see public/sw.js).
if ('serviceWorker' in navigator) {
  navigator.serviceWorker.register('/app/sw.js', { scope: '/app/' }).catch(() => undefined);
}

function showSignIn(): void {
  shell?.destroy();
  shell = undefined;
  root.replaceChildren(signInForm(client, (viewer) => showChat(viewer)));
}

function showChat(viewer: Viewer, offline = false): void {
  if (!offline) savedSession.saveViewer(viewer);
  shell?.destroy();
  shell = new ChatShell(client, viewer);
  root.replaceChildren(shell.element);
  void shell.start();
}

async function start(): Promise<void> {
  if (!client.token) return showSignIn();
  let viewer: Viewer | null = null;
  try {
    viewer = await client.me();
  } catch (error) {
    // No answer (offline, or the server down): the chat as this device last saw it, until the server answers.
    const saved = savedSession.viewer();
    if (error instanceof ChatError && error.transient && saved) return showChat(saved, true);
  }
  if (viewer) showChat(viewer);
  else showSignIn();
}

void start();
