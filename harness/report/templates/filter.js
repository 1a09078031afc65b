{#- The run index's filter: shows the rows whose text contains every word typed and that match
    each chosen select. Inline in index.html, so the page stays one file that works from disk
    with no network. (A Jinja comment: it stays out of the page.) #}
(() => {
  const form = document.getElementById('filter');
  const rows = [...document.querySelectorAll('#runs tr[data-series]')];
  const count = document.getElementById('shown');
  const apply = () => {
    const words = form.q.value.toLowerCase().split(/\s+/).filter(Boolean);
    let shown = 0;
    for (const row of rows) {
      const ok = words.every(w => row.textContent.toLowerCase().includes(w))
        && (!form.series.value || row.dataset.series === form.series.value)
        && (!form.outcome.value || row.dataset.outcome === form.outcome.value)
        && (!form.flaky.checked || row.dataset.flaky === 'yes');
      row.hidden = !ok;
      shown += ok;
    }
    count.textContent = shown + ' of ' + rows.length + ' runs shown';
  };
  form.addEventListener('input', apply);
  form.addEventListener('submit', e => e.preventDefault());
  apply();
})();
