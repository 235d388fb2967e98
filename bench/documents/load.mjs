// The load generator for bench/documents/run: Yjs clients (the y-websocket sync protocol, as
// y-protocols encodes it with lib0) against Tavle's document socket or a Hocuspocus server,
// all in this one Node process (one clock for send and receipt).
//
//   node load.mjs tavle|hocuspocus typing|memory|history URL OUT.json [key=value ...]
//   node load.mjs report DIR...           prints the markdown table of the JSON files in DIR
//
// URL is the server's http://127.0.0.1:PORT. Options (defaults are the full-size runs):
//   editors=30 seconds=20 interval=300       typing: editors in one document, one keystroke
//                                            each per `interval` ms, for `seconds`
//   docs=1000 per_doc=3 chars=20 updates=4   memory: documents, editors each, characters
//                                            typed per editor in `updates` updates
//   edits=10000 opens=10 idle=1              history: single-character edits, timed opens,
//                                            Tavle's TAVLE_DOCUMENT_IDLE_SECONDS
//   pid=PID                                  the server's process (memory and CPU figures)
//   state=DIR                                history: where history.bin is written/read
//   user=elev1 seed=1
//
// The two servers differ only in framing (the adapters below): Tavle speaks the y-websocket
// messages on a socket per document, authenticated by the session cookie, and answers
// `[100, 0, n]` when the first n changes are durable; Hocuspocus prefixes every message with
// the document's name, wants an auth message first, and answers each change with a
// SyncStatus message. Every simulated editor against Tavle logs in as the same pupil with a
// session of its own (a separate client each); the edits, their timing and the random
// positions come from the same seeded generator for both servers.
import { readFileSync, writeFileSync, existsSync, readdirSync } from "node:fs";
import { performance } from "node:perf_hooks";
import WebSocket from "ws";
import * as Y from "yjs";
import * as sync from "y-protocols/sync";
import * as encoding from "lib0/encoding";
import * as decoding from "lib0/decoding";

const REMOTE = Symbol("remote");
const now = () => performance.now();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const LETTERS = "abcdefghijklmnopqrstuvwxyzæøå ";
const letter = (rng) => LETTERS[Math.floor(rng() * LETTERS.length)];

/** Runs `fn` over `items`, at most `n` at a time. */
async function pool(items, n, fn) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
}

async function until(what, cond, ms, step = 20) {
  const end = now() + ms;
  while (!cond()) {
    if (now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(step);
  }
}

function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}
/** How many of `xs` fall below each bound (and above the last), keyed by bound. */
function histogram(xs, bounds) {
  const h = Object.fromEntries([...bounds.map((b) => [`<${b}`, 0]), [`>=${bounds[bounds.length - 1]}`, 0]]);
  for (const x of xs) {
    const b = bounds.find((b) => x < b);
    h[b === undefined ? `>=${bounds[bounds.length - 1]}` : `<${b}`] += 1;
  }
  return h;
}
const median = (xs) => percentile([...xs].sort((a, b) => a - b), 50);

/** The server process's memory (KiB) from /proc. */
function memory(pid) {
  if (!pid) return null;
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, "utf8");
  const field = (text, name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(text)?.[1]);
  return { rss: field(status, "VmRSS"), pss: field(rollup, "Pss") };
}

/** The server process's CPU seconds (user + system) so far. */
function cpuSeconds(pid) {
  if (!pid) return null;
  const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(f[11]) + Number(f[12])) / 100; // utime, stime in clock ticks (USER_HZ 100)
}

// --- The servers -------------------------------------------------------------------------

class Tavle {
  constructor(url) {
    this.url = url;
    this.name = "Tavle";
  }

  /** Logs in `n` sessions of `user` (one per simulated editor slot). */
  async setup(user, n) {
    this.sessions = [];
    for (let i = 0; i < n; i++) {
      const res = await fetch(`${this.url}/api/v1/session`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ username: user, password: "demo" }),
      });
      if (res.status !== 200) throw new Error(`login as ${user}: ${res.status} ${await res.text()}`);
      const body = await res.json();
      const cookie = res.headers.getSetCookie()[0].split(";")[0];
      this.sessions.push({ cookie, csrf: body.csrf_token });
    }
    const spaces = await this.api("GET", "/api/v1/drive/spaces");
    this.root = spaces[0].root_id;
  }

  async api(method, path, body, session = this.sessions[0]) {
    const res = await fetch(`${this.url}${path}`, {
      method,
      headers: {
        cookie: session.cookie,
        "x-csrf-token": session.csrf,
        ...(body ? { "content-type": "application/json" } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : null;
  }

  /** A new document; what a client connects to. */
  async newDocument(name) {
    const node = await this.api("POST", `/api/v1/drive/nodes/${this.root}/documents`, { name });
    return node.id;
  }

  socket(target, slot) {
    const ws = new WebSocket(`${this.url.replace("http://", "ws://")}/api/v1/documents/${target}/socket`, {
      headers: { cookie: this.sessions[slot % this.sessions.length].cookie, origin: this.url },
      perMessageDeflate: false,
    });
    return ws;
  }

  prefix(_enc, _target) {}
  start(_client) {} // Tavle speaks first (its sync step 1); the client sends its own on open.

  /** Handles a message that is not a sync message; false if unknown. */
  other(client, type, dec) {
    if (type === 1) return true; // awareness
    if (type === 100) {
      const kind = decoding.readVarUint(dec);
      const value = decoding.readVarUint(dec);
      if (kind === 0) client.acked = Math.max(client.acked, value);
      else if (kind === 1) client.writable = value === 1;
      return true;
    }
    return false;
  }
}

class Hocuspocus {
  constructor(url) {
    this.url = url;
    this.name = "Hocuspocus";
  }
  async setup() {}
  async newDocument(name) {
    return name;
  }
  socket(target) {
    return new WebSocket(`${this.url.replace("http://", "ws://")}/${target}`, { perMessageDeflate: false });
  }
  prefix(enc, target) {
    encoding.writeVarString(enc, target);
  }
  /** The auth message Hocuspocus waits for before anything else (no onAuthenticate hook). */
  start(client) {
    const enc = encoding.createEncoder();
    encoding.writeVarString(enc, client.target);
    encoding.writeVarUint(enc, 2); // Auth
    encoding.writeVarUint(enc, 0); // Token
    encoding.writeVarString(enc, "");
    client.ws.send(encoding.toUint8Array(enc));
  }
  other(client, type, dec) {
    if (type === 1 || type === 3) return true; // awareness, query awareness
    if (type === 2) {
      const kind = decoding.readVarUint(dec);
      if (kind === 1) client.fail(`permission denied: ${decoding.readVarString(dec)}`);
      return true;
    }
    if (type === 8) {
      if (decoding.readVarUint(dec) === 1) client.acked += 1;
      else client.fail("a change was not applied (SyncStatus false)");
      return true;
    }
    return false;
  }
}

// --- A client ------------------------------------------------------------------------------

/** One editor: a Yjs document synced over one socket, counting the changes it sent (each
 * sync step 2 and each update) and the server's acknowledgements of them. */
class Client {
  constructor(server, target, slot, errors) {
    this.server = server;
    this.target = target;
    this.slot = slot;
    this.errors = errors;
    this.doc = new Y.Doc();
    this.sent = 0;
    this.acked = 0;
    this.synced = false;
    this.onRemote = null;
    this.closing = false;
    this.doc.on("update", (update, origin) => {
      if (origin !== REMOTE) this.sendSync((enc) => sync.writeUpdate(enc, update), true);
    });
  }

  fail(what) {
    this.errors.push(`${this.server.name}: ${what}`);
    this.reject?.(new Error(what));
  }

  /** Connects and resolves once the server's sync step 2 has arrived and been applied. */
  open(timeoutMs = 30000) {
    return new Promise((resolve, reject) => {
      this.reject = reject;
      const timer = setTimeout(() => reject(new Error(`${this.server.name}: no sync step 2 in ${timeoutMs} ms`)), timeoutMs);
      this.resolve = () => {
        clearTimeout(timer);
        resolve(this);
      };
      const ws = (this.ws = this.server.socket(this.target, this.slot));
      ws.binaryType = "nodebuffer";
      ws.on("open", () => {
        this.server.start(this);
        this.sendSync((enc) => sync.writeSyncStep1(enc, this.doc), false);
      });
      ws.on("message", (data) => this.receive(data));
      ws.on("unexpected-response", (_req, res) => this.fail(`the socket was refused: HTTP ${res.statusCode}`));
      ws.on("error", (e) => this.fail(`socket error: ${e.message}`));
      ws.on("close", (code, reason) => {
        this.closed = true;
        if (!this.closing) this.fail(`the server closed the socket: ${code} ${reason.toString()}`);
        this.whenClosed?.();
      });
    });
  }

  close() {
    this.closing = true;
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      this.whenClosed = resolve;
      this.ws.close();
    });
  }

  sendSync(write, counts) {
    if (this.ws?.readyState !== WebSocket.OPEN) return;
    const enc = encoding.createEncoder();
    this.server.prefix(enc, this.target);
    encoding.writeVarUint(enc, 0); // sync
    write(enc);
    this.ws.send(encoding.toUint8Array(enc));
    if (counts) this.sent += 1;
  }

  receive(data) {
    const dec = decoding.createDecoder(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    if (this.server instanceof Hocuspocus) decoding.readVarString(dec);
    const type = decoding.readVarUint(dec);
    // Hocuspocus's SyncReply (4) is a sync message that asks for no step 1 in return.
    if (type === 0 || (type === 4 && this.server instanceof Hocuspocus)) {
      const kind = decoding.readVarUint(dec);
      if (kind === sync.messageYjsSyncStep1) {
        const sv = decoding.readVarUint8Array(dec);
        this.sendSync((enc) => sync.writeSyncStep2(enc, this.doc, sv), true);
      } else if (kind === sync.messageYjsSyncStep2 || kind === sync.messageYjsUpdate) {
        const update = decoding.readVarUint8Array(dec);
        Y.applyUpdate(this.doc, update, REMOTE);
        if (kind === sync.messageYjsSyncStep2 && !this.synced) {
          this.synced = true;
          this.resolve();
        } else if (kind === sync.messageYjsUpdate) {
          this.onRemote?.(update, now());
        }
      }
    } else if (!this.server.other(this, type, dec)) {
      this.fail(`an unknown message type ${type}`);
    }
  }

  /** The text of the first paragraph (what the benchmarks type into). */
  text() {
    return this.doc.getXmlFragment("default").get(0)?.get(0) ?? null;
  }

  /** Makes the document's one paragraph, as the editor does for a new document. */
  makeParagraph() {
    const frag = this.doc.getXmlFragment("default");
    this.doc.transact(() => {
      const p = new Y.XmlElement("paragraph");
      frag.insert(0, [p]);
      p.insert(0, [new Y.XmlText()]);
    });
  }

  /** Waits until the server acknowledged everything this client sent. */
  async saved(ms = 30000) {
    await until(`${this.server.name} to acknowledge ${this.sent} changes (has ${this.acked})`, () => this.acked >= this.sent, ms, 5);
  }
}

/** Opens a new document: the first editor makes the paragraph and waits until it is
 * acknowledged, then the others join (as a document someone made and others then open). */
async function openDocument(server, target, n, errors, slot0 = 0) {
  const first = await new Client(server, target, slot0, errors).open();
  first.makeParagraph();
  await first.saved();
  const rest = await Promise.all(
    Array.from({ length: n - 1 }, (_, i) => new Client(server, target, slot0 + i + 1, errors).open()),
  );
  const clients = [first, ...rest];
  for (const c of clients) if (!c.text()) errors.push(`${server.name}: a client synced without the paragraph`);
  return clients;
}

// --- 1. Typing together ------------------------------------------------------------------------

async function typing(server, o) {
  const errors = [];
  const editors = o.editors;
  await server.setup(o.user, editors);
  const target = await server.newDocument(`typing-${Date.now()}`);
  const clients = await openDocument(server, target, editors, errors);

  const sentAt = new Map(); // `${client}:${clock}` of an inserted character → send time
  const latencies = [];
  let echoes = 0;
  for (const c of clients) {
    const own = c.doc.clientID;
    c.onRemote = (update, t) => {
      for (const [client, clock] of Y.parseUpdateMeta(update).from) {
        if (client === own) {
          echoes += 1; // Hocuspocus sends a change back to its sender too
          continue;
        }
        const t0 = sentAt.get(`${client}:${clock}`);
        if (t0 !== undefined) latencies.push(t - t0);
      }
    };
  }

  const rng = mulberry32(o.seed);
  const durationMs = o.seconds * 1000;
  let edits = 0;
  const cpu0 = cpuSeconds(o.pid);
  const start = now() + 50;
  await Promise.all(
    clients.map(async (c, i) => {
      const phase = rng() * o.interval;
      const mine = mulberry32(o.seed * 1000 + i);
      for (let k = 0; ; k++) {
        const at = start + phase + k * o.interval;
        if (at - start >= durationMs) break;
        const wait = at - now();
        if (wait > 0) await sleep(wait);
        const text = c.text();
        const pos = Math.floor(mine() * (text.length + 1));
        const ch = letter(mine);
        sentAt.set(`${c.doc.clientID}:${Y.getState(c.doc.store, c.doc.clientID)}`, now());
        text.insert(pos, ch); // one transaction: one update, sent at once
        edits += 1;
      }
    }),
  );
  const cpu1 = cpuSeconds(o.pid);
  const expected = edits * (editors - 1);
  try {
    await until(`every edit at every other editor (${latencies.length} of ${expected})`, () => latencies.length >= expected, 30000);
  } catch (e) {
    errors.push(`${server.name}: ${e.message}`);
  }
  for (const c of clients) {
    try {
      await c.saved();
    } catch (e) {
      errors.push(e.message);
    }
  }
  const texts = clients.map((c) => c.text()?.toString() ?? "");
  const differ = texts.filter((t) => t !== texts[0]).length;
  if (differ > 0) errors.push(`${server.name}: ${differ} of ${editors} editors end with a different text (mismatch)`);
  if (texts[0].length !== edits) errors.push(`${server.name}: the text has ${texts[0].length} characters, ${edits} were typed`);
  await Promise.all(clients.map((c) => c.close()));

  latencies.sort((a, b) => a - b);
  return {
    server: server.name,
    bench: "typing",
    editors,
    seconds: o.seconds,
    interval: o.interval,
    edits,
    pairs: latencies.length,
    expected,
    echoes,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
    max: latencies[latencies.length - 1] ?? null,
    histogram_ms: histogram(latencies, [1, 2, 5, 10, 20, 30, 40, 50, 100, 200]),
    server_cpu_s: cpu0 === null ? null : cpu1 - cpu0,
    text_chars: texts[0].length,
    errors,
  };
}

// --- 2. Many open documents --------------------------------------------------------------------

async function manyDocuments(server, o) {
  const errors = [];
  await server.setup(o.user, o.per_doc);
  const stamp = Date.now();
  const names = Array.from({ length: o.docs }, (_, i) => `mem-${stamp}-${i}`);
  const targets = new Array(o.docs);
  const t0 = now();
  await pool(names, 4, async (name, i) => {
    targets[i] = await server.newDocument(name);
  });
  const createSeconds = (now() - t0) / 1000;
  await sleep(2000);
  const before = memory(o.pid);

  const rng = mulberry32(o.seed);
  const all = [];
  let mismatched = 0;
  let failed = 0;
  const t1 = now();
  await pool(targets, 25, async (target) => {
    let clients;
    try {
      clients = await openDocument(server, target, o.per_doc, errors);
    } catch (e) {
      failed += 1;
      errors.push(e.message);
      return;
    }
    all.push(...clients);
    const per = Math.max(1, Math.round(o.chars / o.updates));
    for (let u = 0; u < o.updates; u++) {
      for (const c of clients) {
        const text = c.text();
        let s = "";
        for (let k = 0; k < per; k++) s += letter(rng);
        text.insert(Math.floor(rng() * (text.length + 1)), s);
      }
      await sleep(5);
    }
    const want = per * o.updates * clients.length;
    try {
      await until("the editors to see each other's text", () => clients.every((c) => c.text().length === want), 30000, 10);
      await Promise.all(clients.map((c) => c.saved()));
    } catch (e) {
      errors.push(`${server.name}: ${e.message}`);
    }
    const texts = clients.map((c) => c.text().toString());
    if (texts.some((t) => t !== texts[0])) mismatched += 1;
  });
  const openSeconds = (now() - t1) / 1000;
  await sleep(2000);
  const after = memory(o.pid);
  const open = all.filter((c) => !c.closed).length;
  if (mismatched) errors.push(`${server.name}: ${mismatched} documents end with different texts (mismatch)`);
  if (open !== o.docs * o.per_doc) errors.push(`${server.name}: ${open} sockets open at the end, not ${o.docs * o.per_doc}`);
  await pool(all, 200, (c) => c.close());
  return {
    server: server.name,
    bench: "memory",
    docs: o.docs,
    per_doc: o.per_doc,
    sockets: open,
    failed_docs: failed,
    create_s: createSeconds,
    open_s: openSeconds,
    before,
    after,
    per_doc_rss_kib: before && after ? (after.rss - before.rss) / o.docs : null,
    per_doc_pss_kib: before && after ? (after.pss - before.pss) / o.docs : null,
    errors,
  };
}

// --- 3. Opening a document with a long history ----------------------------------------------

/** Types `n` single-character edits, one update each: mostly at a cursor that moves now and
 * then, some of them backspaces, as someone writing does. */
function typeHistory(text, n, rng) {
  let pos = 0;
  for (let i = 0; i < n; i++) {
    const r = rng();
    if (r < 0.05) pos = Math.floor(rng() * (text.length + 1));
    if (r > 0.9 && pos > 0) {
      text.delete(pos - 1, 1);
      pos -= 1;
    } else {
      text.insert(pos, letter(rng));
      pos += 1;
    }
  }
}

async function timedOpen(server, target, expected, errors) {
  const t0 = now();
  const c = await new Client(server, target, 0, errors).open();
  const text = c.text()?.toString();
  const ms = now() - t0;
  if (text !== expected) errors.push(`${server.name}: an opened document's text differs from what was typed (mismatch)`);
  await c.close();
  return ms;
}

async function history(server, o) {
  const errors = [];
  await server.setup(o.user, 1);
  const file = `${o.state}/history.bin`;
  let expected;
  let bytes;
  let typeSeconds = null;
  const cold = [];
  const warm = [];
  if (server instanceof Tavle) {
    const target = await server.newDocument(`history-${Date.now()}`);
    const c = await new Client(server, target, 0, errors).open();
    c.makeParagraph();
    const text = c.text();
    const rng = mulberry32(o.seed);
    const t0 = now();
    for (let done = 0; done < o.edits; ) {
      const n = Math.min(100, o.edits - done);
      typeHistory(text, n, rng);
      done += n;
      // At most ~200 changes in flight, as a person typing never has more.
      await until("acknowledgements", () => c.sent - c.acked <= 200, 60000, 1);
    }
    await c.saved(60000);
    typeSeconds = (now() - t0) / 1000;
    expected = text.toString();
    const state = Y.encodeStateAsUpdate(c.doc);
    bytes = state.length;
    writeFileSync(file, state);
    writeFileSync(`${o.state}/history.txt`, expected);
    await c.close();
    // Tavle tells nobody outside when a room has left memory: wait out the idle time.
    const idle = o.idle * 1000 + 500;
    // One open more than counted: the first warms up the client's code (and the server's).
    for (let i = -1; i < o.opens; i++) {
      await sleep(idle);
      const took = await timedOpen(server, target, expected, errors);
      if (i >= 0) cold.push(took);
    }
    const holder = await new Client(server, target, 0, errors).open();
    for (let i = 0; i < o.opens; i++) warm.push(await timedOpen(server, target, expected, errors));
    await holder.close();
  } else {
    if (!existsSync(file)) throw new Error(`${file} is missing: run the Tavle half first`);
    bytes = readFileSync(file).length;
    expected = readFileSync(`${o.state}/history.txt`, "utf8");
    const stamp = Date.now();
    // Each name is loaded once, so each open loads the state in onLoadDocument (cold).
    for (let i = -1; i < o.opens; i++) {
      await sleep(200);
      const took = await timedOpen(server, `history-${stamp}-cold-${i}`, expected, errors);
      if (i >= 0) cold.push(took);
    }
    const target = `history-${stamp}-warm`;
    const holder = await new Client(server, target, 0, errors).open();
    for (let i = 0; i < o.opens; i++) warm.push(await timedOpen(server, target, expected, errors));
    await holder.close();
  }
  return {
    server: server.name,
    bench: "history",
    edits: o.edits,
    state_bytes: bytes,
    text_chars: expected.length,
    type_s: typeSeconds,
    opens: o.opens,
    cold_median_ms: median(cold),
    cold_max_ms: Math.max(...cold),
    warm_median_ms: median(warm),
    cold,
    warm,
    errors,
  };
}

// --- The report ------------------------------------------------------------------------------

const ms = (x) => (x === null || x === undefined ? "–" : x < 10 ? x.toFixed(2) : x.toFixed(1));
const mib = (kib) => (kib / 1024).toFixed(1);
const mark = (ok) => (ok ? "✓" : "✗");
const ratio = (a, b) => (a && b ? (a / b).toFixed(2) : "–");

function report(dirs) {
  const r = {};
  const errors = [];
  for (const dir of dirs) {
    for (const f of readdirSync(dir).filter((f) => /^documents-.*\.json$/.test(f))) {
      const x = JSON.parse(readFileSync(`${dir}/${f}`, "utf8"));
      if (x.failed) errors.push(...x.errors);
      else (r[x.bench] ??= {})[x.server] = x;
    }
  }
  const out = [];
  out.push("| benchmark | Tavle | Hocuspocus 3.4.3 | Tavle / Hocuspocus | goal |");
  out.push("|---|---|---|---|---|");
  if (r.typing) {
    const t = r.typing.Tavle;
    const h = r.typing.Hocuspocus;
    const any = t ?? h;
    const cell = (x) =>
      x ? `p50 ${ms(x.p50)} / p95 **${ms(x.p95)}** / p99 ${ms(x.p99)} ms (max ${ms(x.max)}), ${x.pairs} of ${x.expected} receipts` : "–";
    out.push(
      `| ${any.editors} editors in one document, a keystroke each per ${any.interval} ms for ${any.seconds} s: edit → every other editor | ${cell(t)} | ${cell(h)} | p95 ${ratio(t?.p95, h?.p95)} | p95 < 50 ms ${t ? mark(t.p95 < 50) : "–"}, below the peer's ${t && h ? mark(t.p95 < h.p95) : "–"} |`,
    );
    out.push(
      `| … server CPU during the typing; characters typed | ${t ? `${t.server_cpu_s?.toFixed(2)} s; ${t.edits}` : "–"} | ${h ? `${h.server_cpu_s?.toFixed(2)} s; ${h.edits}` : "–"} | ${ratio(t?.server_cpu_s, h?.server_cpu_s)} | |`,
    );
    for (const x of [t, h]) if (x) errors.push(...x.errors);
  }
  if (r.memory) {
    const t = r.memory.Tavle;
    const h = r.memory.Hocuspocus;
    const any = t ?? h;
    const cell = (x) =>
      x && x.before
        ? `**${(x.per_doc_pss_kib / 1024).toFixed(2)} MiB** PSS (RSS ${(x.per_doc_rss_kib / 1024).toFixed(2)}): ${mib(x.before.pss)} → ${mib(x.after.pss)} MiB PSS, ${mib(x.before.rss)} → ${mib(x.after.rss)} MiB RSS; ${x.sockets} sockets`
        : "–";
    out.push(
      `| ${any.docs} open documents, ${any.per_doc} editors each, ~20 characters each: memory per document | ${cell(t)} | ${cell(h)} | PSS ${ratio(t?.per_doc_pss_kib, h?.per_doc_pss_kib)} | < 2 MB ${t?.before ? mark(t.per_doc_pss_kib * 1024 < 2e6) : "–"}, below the peer's ${t?.before && h?.before ? mark(t.per_doc_pss_kib < h.per_doc_pss_kib) : "–"} |`,
    );
    out.push(
      `| … time to open them all (Tavle also creates them through the API first) | ${t ? `${t.open_s.toFixed(1)} s (create ${t.create_s.toFixed(1)} s)` : "–"} | ${h ? `${h.open_s.toFixed(1)} s` : "–"} | | |`,
    );
    for (const x of [t, h]) if (x) errors.push(...x.errors);
  }
  if (r.history) {
    const t = r.history.Tavle;
    const h = r.history.Hocuspocus;
    const any = t ?? h;
    const cell = (x, k) => (x ? `**${ms(x[`${k}_median_ms`])} ms**` : "–");
    out.push(
      `| opening a document of ${any.edits} single-character edits (state ${any.state_bytes} bytes, ${any.text_chars} characters), not in memory: connect → text readable, median of ${any.opens} (after one uncounted) | ${cell(t, "cold")} (max ${ms(t?.cold_max_ms)}) | ${cell(h, "cold")} (max ${ms(h?.cold_max_ms)}), loaded in onLoadDocument | ${ratio(t?.cold_median_ms, h?.cold_median_ms)} | below the peer's ${t && h ? mark(t.cold_median_ms < h.cold_median_ms) : "–"} |`,
    );
    out.push(`| … the same while someone has it open | ${cell(t, "warm")} | ${cell(h, "warm")} | ${ratio(t?.warm_median_ms, h?.warm_median_ms)} | |`);
    if (t?.type_s) out.push(`| … typing the ${t.edits} edits into Tavle, each acknowledged as stored (≤ 200 in flight) | ${t.type_s.toFixed(1)} s | | | |`);
    for (const x of [t, h]) if (x) errors.push(...x.errors);
  }
  out.push("");
  out.push(errors.length ? `Errors (${errors.length}):\n${[...new Set(errors)].map((e) => `- ${e}`).join("\n")}` : "No errors: every socket synced, every text matched.");
  console.log(out.join("\n"));
}

// --- Main ------------------------------------------------------------------------------------

const [what, bench, url, out, ...rest] = process.argv.slice(2);
if (what === "report") {
  report(process.argv.slice(3));
} else {
  const o = {
    editors: 30,
    seconds: 20,
    interval: 300,
    docs: 1000,
    per_doc: 3,
    chars: 20,
    updates: 4,
    edits: 10000,
    opens: 10,
    idle: 1,
    pid: 0,
    state: ".",
    user: "elev1",
    seed: 1,
  };
  for (const kv of rest) {
    const [k, v] = kv.split("=");
    if (!(k in o)) throw new Error(`unknown option ${k}`);
    o[k] = typeof o[k] === "number" ? Number(v) : v;
  }
  const server = what === "tavle" ? new Tavle(url) : what === "hocuspocus" ? new Hocuspocus(url) : null;
  const run = { typing, memory: manyDocuments, history }[bench];
  if (!server || !run) {
    console.error("usage: node load.mjs tavle|hocuspocus typing|memory|history URL OUT.json [key=value ...]");
    process.exit(2);
  }
  let result;
  try {
    result = await run(server, o);
  } catch (e) {
    console.error(e);
    result = { server: server.name, bench, failed: true, errors: [`${server.name}: the ${bench} benchmark failed: ${e.message}`] };
  }
  writeFileSync(out, JSON.stringify(result, null, 1));
  const { cold, warm, ...brief } = result;
  console.error(JSON.stringify(brief));
  process.exit(0);
}
