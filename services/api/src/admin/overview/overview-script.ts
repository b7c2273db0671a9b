/**
 * The overview page's only script, served from `/admin/overview.js` (the CSP allows scripts
 * from the page's own origin, not inline ones): every few seconds it fetches the charts
 * fragment and swaps it in. A failed fetch keeps the charts on screen and tries again.
 */
export const OVERVIEW_SCRIPT = `(() => {
  const REFRESH_MS = 5000;
  const refresh = async () => {
    try {
      const response = await fetch('/admin/overview/charts', { credentials: 'same-origin', cache: 'no-store' });
      const current = document.getElementById('charts');
      if (response.ok && current) {
        const holder = document.createElement('div');
        holder.innerHTML = await response.text();
        const next = holder.querySelector('#charts');
        if (next) current.replaceWith(next);
      }
    } finally {
      setTimeout(refresh, REFRESH_MS);
    }
  };
  setTimeout(refresh, REFRESH_MS);
})();
`;
