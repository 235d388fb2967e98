// Lighthouse (mobile emulation: a mid-range phone, 4× CPU slowdown, simulated slow 4G) against
// Tavle's web app in Debian's Chromium: the login page, a pupil's home page and a class page,
// each run several times; prints the median scores and timings as Markdown table rows.
//
// Usage: node lighthouse.mjs BASE_URL [RUNS]

import * as chromeLauncher from 'chrome-launcher';
import lighthouse from 'lighthouse';

const base = process.argv[2];
const runs = Number(process.argv[3] ?? 3);

async function cookieOf(username) {
  const r = await fetch(`${base}/api/v1/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: 'demo' }),
  });
  if (!r.ok) throw new Error(`login ${username}: ${r.status}`);
  const cookie = r.headers.get('set-cookie').split(';')[0];
  const me = await (await fetch(`${base}/api/v1/me`, { headers: { cookie } })).json();
  return { cookie, me };
}

const { cookie, me } = await cookieOf('elev1');
const cls = me.groups.find((g) => g.kind === 'class');
const pages = [
  ['login page', '/login', {}],
  ['pupil home page', '/', { Cookie: cookie }],
  ['class page', `/groups/${cls.id}`, { Cookie: cookie }],
];

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const chrome = await chromeLauncher.launch({
  chromePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  chromeFlags: ['--headless=new', '--no-sandbox'],
});
try {
  console.log('| page | performance | accessibility | best practices | FCP | LCP | TBT | CLS | JS (gzip) |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const [name, path, extraHeaders] of pages) {
    const rows = [];
    for (let i = 0; i < runs; i++) {
      const { lhr } = await lighthouse(`${base}${path}`, {
        port: chrome.port,
        output: 'json',
        logLevel: 'error',
        onlyCategories: ['performance', 'accessibility', 'best-practices'],
        extraHeaders,
      });
      const a = lhr.audits;
      const scripts = a['resource-summary'].details.items.find((x) => x.resourceType === 'script');
      rows.push({
        perf: lhr.categories.performance.score * 100,
        a11y: lhr.categories.accessibility.score * 100,
        bp: lhr.categories['best-practices'].score * 100,
        fcp: a['first-contentful-paint'].numericValue,
        lcp: a['largest-contentful-paint'].numericValue,
        tbt: a['total-blocking-time'].numericValue,
        cls: a['cumulative-layout-shift'].numericValue,
        js: scripts?.transferSize ?? 0,
      });
    }
    const m = (k) => median(rows.map((r) => r[k]));
    console.log(
      `| ${name} | ${m('perf')} (runs: ${rows.map((r) => r.perf).join(', ')}) | ${m('a11y')} | ${m('bp')} | ` +
        `${(m('fcp') / 1000).toFixed(2)} s | ${(m('lcp') / 1000).toFixed(2)} s | ${Math.round(m('tbt'))} ms | ` +
        `${m('cls').toFixed(3)} | ${(m('js') / 1024).toFixed(1)} KB |`,
    );
  }
} finally {
  await chrome.kill();
}
