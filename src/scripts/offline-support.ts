// Service worker registration, the "new version available" prompt and the online/offline status.
// The markup is src/components/OfflineSupport.astro; both status elements are live regions.
import { Workbox } from 'workbox-window';

/**
 * Set by src/integrations/service-worker.ts: true in built sites, false in `astro dev` (no /sw.js there).
 * Not `import.meta.env.PROD`, which is false for a build run with NODE_ENV=test.
 */
declare const __OFFLINE_SERVICE_WORKER__: boolean | undefined;
const SERVICE_WORKER_BUILT = typeof __OFFLINE_SERVICE_WORKER__ === 'boolean' && __OFFLINE_SERVICE_WORKER__;

/** How long "back online" stays on screen before the status clears. */
const BACK_ONLINE_MS = 4000;
/** How often an open page asks whether a new version was deployed. */
const UPDATE_CHECK_MS = 60 * 60 * 1000;

function setUpConnectionStatus(root: HTMLElement): void {
  const status = root.querySelector<HTMLElement>('[data-connection-status]');
  if (!status) return;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const show = (online: boolean): void => {
    clearTimeout(timer);
    status.dataset['state'] = online ? 'online' : 'offline';
    status.textContent = (online ? root.dataset['statusOnline'] : root.dataset['statusOffline']) ?? '';
    if (online) timer = setTimeout(() => (status.textContent = ''), BACK_ONLINE_MS);
  };
  if (!navigator.onLine) show(false);
  window.addEventListener('offline', () => show(false));
  window.addEventListener('online', () => show(true));
}

function setUpUpdates(root: HTMLElement): void {
  const prompt = root.querySelector<HTMLElement>('[data-update-prompt]');
  const button = root.querySelector<HTMLButtonElement>('[data-update-reload]');
  if (!prompt || !button || !('serviceWorker' in navigator)) return;
  const workbox = new Workbox('/sw.js');
  const hadController = navigator.serviceWorker.controller !== null;
  let reloading = false;
  const showPrompt = (): void => {
    prompt.hidden = false;
  };

  // A new build finished installing and waits for this page's permission to take over.
  workbox.addEventListener('waiting', showPrompt);
  button.addEventListener('click', async () => {
    reloading = true;
    button.disabled = true;
    const registration = await navigator.serviceWorker.getRegistration();
    // Reload once the new version controls the page; if another tab already switched, just reload.
    if (registration?.waiting) workbox.messageSkipWaiting();
    else window.location.reload();
  });
  navigator.serviceWorker.addEventListener('controllerchange', () => {
    if (reloading) window.location.reload();
    // Another tab took the update: this page's scripts and styles may be gone from the new cache.
    else if (hadController) showPrompt();
  });

  void workbox.register();
  const check = (): void => void workbox.update().catch(() => undefined);
  window.addEventListener('online', check);
  document.addEventListener('visibilitychange', () => document.visibilityState === 'visible' && check());
  setInterval(check, UPDATE_CHECK_MS);
}

/** Wires every OfflineSupport element on the page. The service worker exists only in built sites, not in `astro dev`. */
export function setUpOfflineSupport(): void {
  for (const root of document.querySelectorAll<HTMLElement>('[data-offline-support]')) {
    setUpConnectionStatus(root);
    if (SERVICE_WORKER_BUILT) setUpUpdates(root);
  }
  // A worker left by a built site on the same origin (`npm start` and `astro dev` share port 4321)
  // would answer dev pages from its precache.
  if (!SERVICE_WORKER_BUILT && 'serviceWorker' in navigator) {
    void navigator.serviceWorker.getRegistrations().then((registrations) => registrations.forEach((r) => void r.unregister()));
  }
}
