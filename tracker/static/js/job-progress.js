// Progress of a background job (templates/jobs/show.html).
//
// Polls the job's JSON status (data-status-url) every data-poll-ms milliseconds and moves
// the <progress> bar and its "12 / 30 dossiers" text. When a dossier fails or the job
// ends, the result panel (#job-result: failures, download button) is reloaded from the
// page itself, then the status sentence (#job-status, a polite live region) is updated,
// so screen readers hear the state change once, not every count. Without JavaScript the
// page refreshes itself instead (a <noscript> meta refresh).
(function () {
  "use strict";

  const root = document.getElementById("job");
  if (!root || root.dataset.finished === "true" || !window.fetch) {
    return;
  }
  const statusUrl = root.dataset.statusUrl;
  const delay = parseInt(root.dataset.pollMs, 10) || 1500;
  const bar = document.getElementById("job-progress");
  const count = document.getElementById("job-progress-text");
  const status = document.getElementById("job-status");
  const result = document.getElementById("job-result");
  let failed = parseInt(root.dataset.failed, 10) || 0;
  let errors = 0;

  function reloadResult() {
    return fetch(window.location.href, {
      credentials: "same-origin",
      cache: "no-store",
      headers: { Accept: "text/html" },
    })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.text();
      })
      .then(function (html) {
        const page = new DOMParser().parseFromString(html, "text/html");
        const fresh = page.getElementById("job-result");
        if (fresh) {
          result.replaceChildren(...Array.from(fresh.childNodes, (node) => document.importNode(node, true)));
        }
      });
  }

  function show(state) {
    bar.max = state.total;
    bar.value = state.processed;
    bar.textContent = state.progress_text;
    count.textContent = state.progress_text;
  }

  function poll() {
    fetch(statusUrl, {
      credentials: "same-origin",
      cache: "no-store",
      headers: { Accept: "application/json" },
    })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (state) {
        errors = 0;
        show(state);
        const changed = state.failed !== failed || state.finished;
        failed = state.failed;
        return (changed ? reloadResult() : Promise.resolve()).then(function () {
          if (status.textContent.trim() !== state.status_text) {
            status.textContent = state.status_text;
          }
          if (state.finished) {
            root.dataset.finished = "true";
          } else {
            window.setTimeout(poll, delay);
          }
        });
      })
      .catch(function () {
        // The server is restarting or the network hiccups: try again, less often.
        errors += 1;
        window.setTimeout(poll, Math.min(delay * Math.pow(2, errors), 30000));
      });
  }

  window.setTimeout(poll, delay);
})();
