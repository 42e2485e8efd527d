// The offline page may stand in for a failed /search?q=… navigation: put the query into the search
// box of its language so the visitor gets the same results from the precached index.

/** Fills and runs the offline page's search box from the `q` and `lang` parameters of the address, if any. */
export function fillSearchFromUrl(location: Pick<Location, 'search'> = window.location): void {
  const params = new URLSearchParams(location.search);
  const query = params.get('q')?.trim();
  if (!query) return;
  const run = (): void => {
    const forms = [...document.querySelectorAll<HTMLFormElement>('form[data-search-box]')];
    const form = forms.find((f) => f.dataset['lang'] === params.get('lang')) ?? forms[0];
    const input = form?.querySelector<HTMLInputElement>('input[name="q"]');
    if (!input) return;
    input.value = query;
    input.focus();
    input.dispatchEvent(new Event('input', { bubbles: true }));
  };
  // After the search box script has wired its listeners (module scripts run before DOMContentLoaded).
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', run, { once: true });
  else run();
}
