/* The operator console: a few views over the JSON API under /console/api. No framework, no build. */
(function () {
  'use strict';

  const KEY = 'mcp-gateway-console-credential';
  const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#7f7f7f', '#bcbd22'];
  const pages = { routes: routesPage, backends: backendsPage, tools: toolsPage, sessions: sessionsPage, traffic: trafficPage };
  let timer = null;
  let authRequired = true;
  let generation = 0;

  /** Builds an element; text is always set as text, never parsed as HTML. */
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'text') el.textContent = v;
      else if (k.startsWith('on')) el.addEventListener(k.substring(2), v);
      else el.setAttribute(k, v === true ? '' : v);
    }
    for (const c of children.flat()) {
      if (c === null || c === undefined) continue;
      el.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
    }
    return el;
  }

  function svg(tag, attrs) {
    const el = document.createElementNS('http://www.w3.org/2000/svg', tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === 'text') el.textContent = v; else el.setAttribute(k, v);
    }
    return el;
  }

  function badge(text, kind) {
    return h('span', { class: 'badge' + (kind ? ' ' + kind : ''), text: text });
  }

  function headers() {
    const cred = sessionStorage.getItem(KEY);
    if (!cred) return {};
    // A JWT (three dot-separated parts) goes as a bearer token, anything else as the console key.
    return /^[\w-]+\.[\w-]+\.[\w-]*$/.test(cred) ? { 'Authorization': 'Bearer ' + cred } : { 'X-Console-Key': cred };
  }

  class ApiError extends Error {
    constructor(status, message) { super(message); this.status = status; }
  }

  async function api(path, options) {
    const res = await fetch('/console/api/' + path, Object.assign({ headers: headers(), cache: 'no-store' }, options || {}));
    if (res.status === 204) return null;
    const body = await res.json().catch(() => ({}));
    if (!res.ok) {
      if (res.status === 401) {
        sessionStorage.removeItem(KEY);
        showLogin(body.message || 'Unauthorized');
      }
      throw new ApiError(res.status, body.message || ('HTTP ' + res.status));
    }
    return body;
  }

  function status(text, isError) {
    const el = document.getElementById('status');
    el.textContent = text || '';
    el.className = isError ? 'status error' : 'status';
  }

  function showLogin(message) {
    stop();
    document.getElementById('login').hidden = false;
    document.getElementById('page').replaceChildren();
    document.getElementById('login-error').textContent = message || '';
    document.getElementById('logout').hidden = true;
    document.getElementById('who-text').textContent = '';
  }

  function stop() {
    if (timer) clearInterval(timer);
    timer = null;
    generation++;
  }

  /** Shows a page and refreshes it every `every` ms while it is the one shown. */
  function live(render, every) {
    const mine = ++generation;
    const run = async () => {
      try {
        await render(() => mine === generation);
        if (mine === generation) status('Updated ' + new Date().toLocaleTimeString());
      } catch (e) {
        if (mine === generation && !(e instanceof ApiError && e.status === 401)) status(e.message, true);
      }
    };
    run();
    if (every) timer = setInterval(run, every);
  }

  function route() {
    const name = (location.hash.replace(/^#\/?/, '').split('?')[0]) || 'routes';
    const page = pages[name] ? name : 'routes';
    document.querySelectorAll('#nav a').forEach(a => a.classList.toggle('active', a.dataset.page === page));
    stop();
    if (authRequired && !sessionStorage.getItem(KEY)) {
      showLogin();
      return;
    }
    document.getElementById('login').hidden = true;
    document.getElementById('logout').hidden = !authRequired;
    document.getElementById('who-text').textContent = authRequired ? 'signed in' : 'local access';
    const root = document.getElementById('page');
    root.replaceChildren();
    root.dataset.page = page;
    pages[page](root);
  }

  // ---- routes --------------------------------------------------------------------------------

  function routesPage(root) {
    const body = h('tbody');
    root.append(h('h2', { text: 'Routes' }), h('table', { id: 'routes-table' },
      h('thead', {}, h('tr', {}, ['Path', 'Name', 'Security', 'Prefix mode', 'Backends'].map(t => h('th', { text: t })))), body));
    live(async (current) => {
      const data = await api('routes');
      if (!current()) return;
      body.replaceChildren(...data.routes.map(r => h('tr', { 'data-route': r.path },
        h('td', {}, h('code', { text: r.path })),
        h('td', { text: r.name }),
        h('td', {}, badge(r.security.kind, r.security.kind === 'none' ? 'warn' : 'ok'),
          r.security.issuer ? h('div', { class: 'muted', text: r.security.issuer }) : null,
          r.security.authorizationRules ? h('div', { class: 'muted',
            text: r.security.authorizationRules + ' authorization rule(s), default ' + r.security.defaultAction }) : null),
        h('td', { text: r.prefixMode + (r.prefixed ? ' (prefixed)' : ' (unprefixed)') }),
        h('td', {}, r.backends.map(b => badge(b.name + ' · ' + b.transport))))));
    }, 0);
  }

  // ---- backends ------------------------------------------------------------------------------

  function ms(v) { return v === undefined || v === null ? '–' : (v < 10 ? v.toFixed(2) : v.toFixed(0)) + ' ms'; }

  function backendsPage(root) {
    const body = h('tbody');
    const refresh = h('button', { type: 'button', text: 'Probe again' });
    let force = false;
    refresh.addEventListener('click', () => { force = true; });
    root.append(h('div', { class: 'toolbar' }, h('h2', { text: 'Backends' }), refresh),
      h('table', { id: 'backends-table' }, h('thead', {}, h('tr', {}, ['Backend', 'Route', 'Transport', 'Target', 'Revision',
        'Capabilities', 'Health', 'Latency (since start)', 'Errors', 'Last 5 min', 'Last error'].map(t => h('th', { text: t })))), body));
    live(async (current) => {
      const data = await api('backends' + (force ? '?refresh=1' : ''));
      force = false;
      if (!current()) return;
      body.replaceChildren(...data.backends.map(b => {
        const m = b.meters || {};
        const health = [badge(b.health, b.health === 'reachable' ? 'ok' : b.health === 'unreachable' ? 'bad' : '')];
        if (b.circuit) health.push(badge('circuit ' + b.circuit, b.circuit === 'closed' ? 'ok' : 'bad'));
        if (b.cache) health.push(badge('cache ' + Math.round(b.cache.ttlMs / 1000) + ' s, ' + b.cache.scope));
        return h('tr', { 'data-backend': b.name },
          h('td', {}, h('b', { text: b.name }), b.serverInfo && b.serverInfo.name
            ? h('div', { class: 'muted', text: b.serverInfo.name + ' ' + (b.serverInfo.version || '') }) : null),
          h('td', {}, h('code', { text: b.route })),
          h('td', { text: b.transport }),
          h('td', {}, h('code', { text: b.url || [b.command].concat(b.args || []).join(' ') })),
          h('td', { text: b.protocolVersion || '–' }),
          h('td', {}, Object.keys(b.capabilities || {}).map(c => badge(c))),
          h('td', {}, health, b.probeError ? h('div', { class: 'error', text: b.probeError }) : null),
          h('td', { class: 'num' }, m.requests ? ['p50', 'p90', 'p99'].map(p => h('div', { text: p + ' ' + ms(m[p + 'Ms']) })) : '–'),
          h('td', { class: 'num', text: (m.requests ? (m.errorRate * 100).toFixed(1) + '% of ' + m.requests : '–') }),
          h('td', { class: 'num' }, b.recent.requests ? [h('div', { text: b.recent.requests + ' req' }),
            h('div', { text: 'p50 ' + ms(b.recent.p50Ms) }), h('div', { text: 'p99 ' + ms(b.recent.p99Ms) })] : '–'),
          h('td', { text: b.lastError ? b.lastError.outcome + ' at ' + new Date(b.lastError.at).toLocaleTimeString() : '–' }));
      }));
    }, 5000);
  }

  // ---- tools ---------------------------------------------------------------------------------

  function toolsPage(root) {
    const routeSel = h('select', { id: 'tools-route' });
    const q = h('input', { id: 'tools-search', type: 'search', placeholder: 'name or description' });
    const principal = h('input', { id: 'tools-principal', placeholder: 'e.g. apikey:bob (empty: anonymous)' });
    const scopes = h('input', { id: 'tools-scopes', placeholder: 'scopes, space separated' });
    const go = h('button', { id: 'tools-go', type: 'submit', text: 'Show' });
    const info = h('p', { id: 'tools-info', class: 'muted' });
    const list = h('div', { id: 'tools-list' });
    const form = h('form', { class: 'toolbar' },
      h('label', {}, 'Route', routeSel), h('label', {}, 'Search', q),
      h('label', {}, 'As principal', principal), h('label', {}, 'Scopes', scopes), go);
    root.append(h('h2', { text: 'Tools' }), form, info, list);
    let all = [];
    const render = () => {
      const needle = q.value.trim().toLowerCase();
      const shown = all.filter(t => !needle || (t.name + ' ' + (t.title || '') + ' ' + (t.description || '')).toLowerCase().includes(needle));
      info.textContent = shown.length + ' of ' + all.length + ' tools on ' + routeSel.value
        + (principal.value.trim() ? ' as ' + principal.value.trim() : ' as an anonymous caller');
      list.replaceChildren(...shown.map(t => h('div', { class: 'tool', 'data-tool': t.name },
        h('span', { class: 'name', text: t.name }), t.title ? h('span', { class: 'muted', text: ' — ' + t.title }) : null,
        h('div', { text: t.description || '' }),
        t.annotations ? h('div', {}, Object.entries(t.annotations).filter(([, v]) => v === true).map(([k]) => badge(k))) : null,
        h('details', {}, h('summary', { text: 'Input schema' }), h('pre', { text: JSON.stringify(t.inputSchema, null, 2) }),
          t.outputSchema ? h('pre', { text: 'output: ' + JSON.stringify(t.outputSchema, null, 2) }) : null))));
    };
    const load = async () => {
      const params = new URLSearchParams({ route: routeSel.value });
      if (principal.value.trim()) params.set('principal', principal.value.trim());
      if (scopes.value.trim()) params.set('scopes', scopes.value.trim());
      info.textContent = 'Listing…';
      try {
        const data = await api('tools?' + params);
        all = data.tools;
        render();
        const failed = Object.entries(data.failures || {});
        if (failed.length) info.append(h('span', { class: 'error', text: ' · not reached: ' + failed.map(f => f.join(': ')).join('; ') }));
        status('Listed ' + new Date().toLocaleTimeString());
      } catch (e) {
        if (!(e instanceof ApiError && e.status === 401)) info.replaceChildren(h('span', { class: 'error', text: e.message }));
      }
    };
    form.addEventListener('submit', e => { e.preventDefault(); load(); });
    q.addEventListener('input', render);
    routeSel.addEventListener('change', load);
    api('routes').then(data => {
      routeSel.replaceChildren(...data.routes.map(r => h('option', { value: r.path, text: r.path })));
      load();
    }).catch(e => status(e.message, true));
  }

  // ---- sessions ------------------------------------------------------------------------------

  function duration(s) {
    if (s < 60) return s + ' s';
    if (s < 3600) return Math.floor(s / 60) + ' min ' + (s % 60) + ' s';
    return Math.floor(s / 3600) + ' h ' + Math.floor((s % 3600) / 60) + ' min';
  }

  function sessionsPage(root) {
    const head = h('p', { id: 'sessions-info', class: 'muted' });
    const body = h('tbody');
    root.append(h('h2', { text: 'Sessions' }), head, h('table', { id: 'sessions-table' }, h('thead', {}, h('tr', {},
      ['Session', 'Route', 'Principal', 'Revision', 'Client', 'Age', 'Idle', 'Backends', ''].map(t => h('th', { text: t })))), body));
    const refresh = async (current) => {
      const data = await api('sessions');
      if (!current()) return;
      head.textContent = data.sessions.length + ' session(s) listed' + (data.truncated ? ' (truncated)' : '') + ' · store: '
        + data.store + ' · ' + data.replica + ': ' + data.openStreamsOnReplica + ' open stream(s)';
      body.replaceChildren(...data.sessions.map(s => h('tr', { 'data-session': s.id },
        h('td', {}, h('code', { text: s.id.length > 16 ? s.id.substring(0, 16) + '…' : s.id, title: s.id }),
          s.shared ? badge('shared') : null, s.streamHere ? badge('stream here', 'ok') : null),
        h('td', { text: s.route }),
        h('td', { text: s.principal || '(anonymous)' }),
        h('td', { text: s.protocolVersion }),
        h('td', { text: s.client || '–' }),
        h('td', { class: 'num', text: duration(s.ageSeconds) }),
        h('td', { class: 'num', text: duration(s.idleSeconds) }),
        h('td', {}, Object.entries(s.backends).map(([b, v]) => badge(b + ' ' + v))),
        h('td', {}, h('button', { type: 'button', class: 'danger end-session', text: 'End',
          onclick: async () => {
            if (!confirm('End session ' + s.id + '? Its client gets 404 on its next request.')) return;
            try { await api('sessions/' + encodeURIComponent(s.id), { method: 'DELETE' }); status('Ended ' + s.id); }
            catch (e) { status(e.message, true); }
            refresh(() => true);
          } })))));
    };
    live(refresh, 2000);
  }

  // ---- traffic -------------------------------------------------------------------------------

  /** A line chart: t (epoch ms) on x, one polyline per series. */
  function chart(id, title, t, series, unit) {
    const W = 560, H = 220, L = 48, R = 10, T = 10, B = 24;
    const s = svg('svg', { viewBox: `0 0 ${W} ${H}`, preserveAspectRatio: 'none', role: 'img', 'aria-label': title });
    const names = Object.keys(series);
    let max = 0;
    names.forEach(n => series[n].forEach(v => { if (v > max) max = v; }));
    max = max <= 0 ? 1 : niceCeil(max);
    const x = i => L + (t.length <= 1 ? 0 : i * (W - L - R) / (t.length - 1));
    const y = v => H - B - (v / max) * (H - T - B);
    for (let k = 0; k <= 4; k++) {
      const v = max * k / 4;
      s.appendChild(svg('line', { class: 'grid', x1: L, x2: W - R, y1: y(v), y2: y(v) }));
      s.appendChild(svg('text', { x: L - 4, y: y(v) + 3, 'text-anchor': 'end', text: fmt(v) + (k === 4 ? ' ' + unit : '') }));
    }
    s.appendChild(svg('line', { class: 'axis', x1: L, x2: L, y1: T, y2: H - B }));
    s.appendChild(svg('line', { class: 'axis', x1: L, x2: W - R, y1: H - B, y2: H - B }));
    [0, Math.floor((t.length - 1) / 2), t.length - 1].forEach(i => {
      if (t[i] === undefined) return;
      s.appendChild(svg('text', { x: x(i), y: H - 8, 'text-anchor': i === 0 ? 'start' : i === t.length - 1 ? 'end' : 'middle',
        text: new Date(t[i]).toLocaleTimeString() }));
    });
    names.forEach((n, idx) => {
      const pts = series[n].map((v, i) => x(i).toFixed(1) + ',' + y(v).toFixed(1)).join(' ');
      s.appendChild(svg('polyline', { points: pts, stroke: COLORS[idx % COLORS.length], 'data-series': n }));
    });
    const legend = h('div', { class: 'legend' }, names.map((n, idx) => {
      const swatch = h('i');
      swatch.style.background = COLORS[idx % COLORS.length];
      return h('span', {}, swatch, n);
    }));
    return h('div', { class: 'chart', id: id }, h('h3', { text: title }), s, legend);
  }

  function niceCeil(v) {
    const p = Math.pow(10, Math.floor(Math.log10(v)));
    for (const m of [1, 2, 2.5, 5, 10]) if (v <= m * p) return m * p;
    return 10 * p;
  }

  function fmt(v) { return Number.isInteger(v) ? String(v) : v >= 10 ? v.toFixed(1) : String(Number(v.toFixed(2))); }

  function pick(group, field) {
    const out = {};
    Object.entries(group).forEach(([k, v]) => { out[k] = v[field]; });
    return out;
  }

  function trafficPage(root) {
    const minutes = h('select', { id: 'traffic-minutes' }, [1, 5, 6].map(m => h('option', { value: m, text: m + ' min', selected: m === 5 })));
    const summary = h('div', { class: 'summary', id: 'traffic-summary' });
    const charts = h('div', { class: 'charts' });
    root.append(h('div', { class: 'toolbar' }, h('h2', { text: 'Traffic' }), h('label', {}, 'Window', minutes)), summary, charts);
    live(async (current) => {
      const d = await api('traffic?minutes=' + minutes.value);
      if (!current()) return;
      const tot = d.total;
      summary.replaceChildren(
        h('div', {}, h('b', { id: 'traffic-requests', text: String(tot.requests) }), 'client requests'),
        h('div', {}, h('b', { text: String(tot.errorCount) }), 'errors'),
        h('div', {}, h('b', { text: ms(tot.p50Window) }), 'p50'),
        h('div', {}, h('b', { text: ms(tot.p99Window) }), 'p99'));
      charts.replaceChildren(
        chart('chart-rps-method', 'Requests per second by method', d.t, Object.assign({ all: tot.rps }, pick(d.methods, 'rps')), 'req/s'),
        chart('chart-latency-method', 'p50 / p99 by method (ms)', d.t,
          Object.assign({}, ...Object.entries(d.methods).map(([k, v]) => ({ [k + ' p50']: v.p50, [k + ' p99']: v.p99 }))), 'ms'),
        chart('chart-rps-backend', 'Upstream requests per second by backend', d.t, pick(d.backends, 'rps'), 'req/s'),
        chart('chart-latency-backend', 'Upstream p50 / p99 by backend (ms)', d.t,
          Object.assign({}, ...Object.entries(d.backends).map(([k, v]) => ({ [k + ' p50']: v.p50, [k + ' p99']: v.p99 }))), 'ms'));
    }, 2000);
    minutes.addEventListener('change', () => {
      stop();
      root.replaceChildren();
      trafficPage(root);
    });
  }

  // ---- start ---------------------------------------------------------------------------------

  document.getElementById('login-form').addEventListener('submit', e => {
    e.preventDefault();
    const key = document.getElementById('login-key');
    sessionStorage.setItem(KEY, key.value.trim());
    key.value = '';
    route();
  });
  document.getElementById('logout').addEventListener('click', () => {
    sessionStorage.removeItem(KEY);
    showLogin();
  });
  window.addEventListener('hashchange', route);
  fetch('/console/api/auth', { cache: 'no-store' }).then(r => r.json()).then(a => {
    authRequired = a.required;
    route();
  }).catch(e => status('The console API cannot be reached: ' + e.message, true));
}());
