// One Yjs document connected to Tavle's document socket: the y-websocket protocol (sync step 1
// and 2, updates, awareness) and Tavle's own message 100, which says what is stored ("saved n"),
// whether this connection may write, and that the document's comments changed. It reconnects with backoff and resyncs, so what is
// typed offline reaches the server when the connection is back; it stops for good on the close
// codes that mean "not for you" (not logged in, forbidden, gone, locked, refused).
//
// A connection can die without the browser noticing (a laptop waking from sleep, a Wi-Fi
// change, a proxy dropping it): the socket still looks open, nothing arrives, and what is typed
// is never acknowledged. So the provider listens for the server: when it has heard nothing for a
// while it asks (a sync step 1, which the server always answers), and when it still hears
// nothing it gives the socket up and connects again — within seconds while something typed is
// waiting to be saved, more patiently when nothing is.
//
// Our own rather than the y-websocket package, which knows neither message 100 nor Tavle's close
// codes. Framework-free: the page mirrors `state` into its own reactive state through `onchange`.

import * as Y from 'yjs';
import * as encoding from 'lib0/encoding';
import * as decoding from 'lib0/decoding';
import * as sync from 'y-protocols/sync';
import * as awarenessProtocol from 'y-protocols/awareness';

const MESSAGE_SYNC = 0;
const MESSAGE_AWARENESS = 1;
const MESSAGE_QUERY_AWARENESS = 3;
const MESSAGE_TAVLE = 100;
const TAVLE_SAVED = 0;
const TAVLE_ACCESS = 1;
const TAVLE_COMMENTS = 2;

/** Why the connection was given up for good, from the server's close code. */
export type Stopped = 'not_logged_in' | 'forbidden' | 'gone' | 'conflict' | 'refused';

const STOPS: Record<number, Stopped> = {
  4400: 'refused',
  4401: 'not_logged_in',
  4403: 'forbidden',
  4404: 'gone',
  4409: 'conflict',
};

export interface DocumentState {
  /** `online` once the socket is open; `offline` between a lost connection and the next. */
  connection: 'connecting' | 'online' | 'offline' | 'stopped';
  /** The server's state has arrived at least once (the editor may show and take input). */
  synced: boolean;
  /** The server's last word on access: 1 may write, 0 read only. */
  writable: boolean;
  /** Everything changed here is durably stored on the server. */
  saved: boolean;
  stopped: Stopped | null;
}

const FIRST_DELAY = 500;
const MAX_DELAY = 10_000;
/** How often the heartbeat looks. */
const BEAT = 1_000;
/** Quiet for this long, the provider asks the server (sync step 1)… while something is owed… */
const ASK_OWED = 3_000;
/** … and while nothing is. */
const ASK_IDLE = 15_000;
/** Quiet for this long, the connection is taken for dead: while something is owed… */
const DEAD_OWED = 8_000;
/** … and while nothing is (the server pings every 30 s and answers every question). */
const DEAD_IDLE = 45_000;

export class DocumentProvider {
  readonly awareness: awarenessProtocol.Awareness;
  state: DocumentState = { connection: 'connecting', synced: false, writable: false, saved: true, stopped: null };
  onchange: (s: DocumentState) => void = () => {};
  /** The document's comments changed (`[100, 2]`), or may have while the connection was
   * down: read them again. */
  oncomments: () => void = () => {};

  private ws: WebSocket | null = null;
  /** Update-carrying messages (sync step 2 and updates) sent on the current connection. */
  private sent = 0;
  /** How many of those the server says it has stored. */
  private acked = 0;
  /** Changes made while no connection could take them: the next sync step 2 carries them. */
  private unsent = false;
  private attempts = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private destroyed = false;
  /** When the server was last heard from on the current connection (or it opened). */
  private heard = 0;
  /** When the heartbeat last asked. */
  private asked = 0;
  private beat: ReturnType<typeof setInterval> | undefined;

  constructor(
    readonly doc: Y.Doc,
    private readonly url: string,
  ) {
    this.awareness = new awarenessProtocol.Awareness(doc);
    doc.on('update', this.onDocUpdate);
    this.awareness.on('update', this.onAwarenessUpdate);
    window.addEventListener('offline', this.onOffline);
    window.addEventListener('online', this.onOnline);
    this.beat = setInterval(this.heartbeat, BEAT);
    this.connect();
  }

  /** The socket's address for a document, on this page's own origin. */
  static urlFor(id: string): string {
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    return `${scheme}//${location.host}/api/v1/documents/${encodeURIComponent(id)}/socket`;
  }

  destroy() {
    if (this.destroyed) return;
    this.destroyed = true;
    clearTimeout(this.timer);
    clearInterval(this.beat);
    window.removeEventListener('offline', this.onOffline);
    window.removeEventListener('online', this.onOnline);
    this.doc.off('update', this.onDocUpdate);
    // Others see this person's caret go at once rather than after the awareness timeout.
    awarenessProtocol.removeAwarenessStates(this.awareness, [this.doc.clientID], 'destroy');
    this.awareness.off('update', this.onAwarenessUpdate);
    this.awareness.destroy();
    this.drop(1000);
  }

  private set(change: Partial<DocumentState>) {
    const next = { ...this.state, ...change };
    next.saved = !this.unsent && this.acked >= this.sent;
    const s = this.state;
    if (
      next.connection === s.connection &&
      next.synced === s.synced &&
      next.writable === s.writable &&
      next.saved === s.saved &&
      next.stopped === s.stopped
    )
      return;
    this.state = next;
    this.onchange(next);
  }

  private connect() {
    if (this.destroyed || this.state.stopped) return;
    clearTimeout(this.timer);
    const ws = new WebSocket(this.url);
    ws.binaryType = 'arraybuffer';
    this.ws = ws;
    this.sent = 0;
    this.acked = 0;
    this.set({ connection: this.state.synced ? 'offline' : 'connecting' });
    ws.onopen = () => {
      this.heard = this.asked = Date.now();
      this.set({ connection: 'online' });
      // Ask for what the server has that this copy lacks; the server's own step 1 (answered in
      // `receive`) brings it what this copy has and it lacks, including changes made offline.
      const encoder = encoding.createEncoder();
      encoding.writeVarUint(encoder, MESSAGE_SYNC);
      sync.writeSyncStep1(encoder, this.doc);
      this.send(encoding.toUint8Array(encoder));
      if (this.awareness.getLocalState() !== null) {
        this.send(this.awarenessMessage([this.doc.clientID]));
      }
    };
    ws.onmessage = (e: MessageEvent) => {
      if (e.data instanceof ArrayBuffer) this.receive(new Uint8Array(e.data));
    };
    ws.onclose = (e: CloseEvent) => this.closed(ws, e.code);
  }

  /** Lets go of the current socket without waiting for its close event. */
  private drop(code: number) {
    const ws = this.ws;
    if (!ws) return;
    this.ws = null;
    ws.onopen = ws.onmessage = ws.onclose = null;
    if (ws.readyState === WebSocket.CONNECTING || ws.readyState === WebSocket.OPEN) ws.close(code);
    this.forgetOthers();
  }

  private closed(ws: WebSocket, code: number) {
    if (ws !== this.ws) return;
    this.ws = null;
    this.forgetOthers();
    // What was sent but not acknowledged may not be stored: the next connection's step 2 carries
    // whatever the server lacks, so it is owed until then.
    if (this.acked < this.sent) this.unsent = true;
    const stopped = STOPS[code];
    if (stopped) {
      this.set({ connection: 'stopped', stopped });
      return;
    }
    this.set({ connection: this.state.synced ? 'offline' : 'connecting' });
    this.retry();
  }

  private retry() {
    if (this.destroyed || this.state.stopped) return;
    clearTimeout(this.timer);
    // While the browser knows it is offline, trying is pointless: `online` connects again.
    if (!navigator.onLine) return;
    // 0.5 s, 1 s, 2 s … at most 10 s, spread a little so a class does not come back at once.
    const delay = Math.min(MAX_DELAY, FIRST_DELAY * 2 ** this.attempts) * (0.75 + Math.random() / 2);
    this.attempts++;
    this.timer = setTimeout(() => this.connect(), delay);
  }

  /** Asks a quiet server whether it is there, and gives up a connection that stays quiet. */
  private heartbeat = () => {
    const ws = this.ws;
    if (this.destroyed || this.state.stopped || !ws || ws.readyState !== WebSocket.OPEN) return;
    const now = Date.now();
    const owed = this.unsent || this.acked < this.sent;
    const quiet = now - this.heard;
    if (quiet > (owed ? DEAD_OWED : DEAD_IDLE)) {
      if (this.acked < this.sent) this.unsent = true;
      this.drop(4000);
      this.set({ connection: this.state.synced ? 'offline' : 'connecting' });
      this.attempts = 0;
      this.retry();
      return;
    }
    if (quiet > (owed ? ASK_OWED : ASK_IDLE) && now - this.asked > (owed ? ASK_OWED : ASK_IDLE)) {
      this.asked = now;
      const encoder = encoding.createEncoder();
      encoding.writeVarUint(encoder, MESSAGE_SYNC);
      sync.writeSyncStep1(encoder, this.doc);
      this.send(encoding.toUint8Array(encoder));
    }
  };

  /** The browser knows it is offline: a socket that may still look open is given up at once. */
  private onOffline = () => {
    if (this.destroyed || this.state.stopped) return;
    if (this.acked < this.sent) this.unsent = true;
    this.drop(1000);
    this.set({ connection: this.state.synced ? 'offline' : 'connecting' });
    this.retry();
  };

  private onOnline = () => {
    if (this.destroyed || this.state.stopped || this.ws?.readyState === WebSocket.OPEN) return;
    this.attempts = 0;
    // A socket that started while offline may take long to fail: start afresh.
    this.drop(1000);
    this.connect();
  };

  /** Others' carets belong to the connection that brought them. */
  private forgetOthers() {
    const others = [...this.awareness.getStates().keys()].filter((c) => c !== this.doc.clientID);
    awarenessProtocol.removeAwarenessStates(this.awareness, others, this);
  }

  private send(message: Uint8Array) {
    const ws = this.ws;
    const carriesUpdate =
      message[0] === MESSAGE_SYNC && (message[1] === sync.messageYjsSyncStep2 || message[1] === sync.messageYjsUpdate);
    if (!ws || ws.readyState !== WebSocket.OPEN) {
      if (carriesUpdate) {
        this.unsent = true;
        this.set({});
      }
      return;
    }
    // (lib0's encoder makes its arrays over a plain ArrayBuffer, never a shared one.)
    ws.send(message as Uint8Array<ArrayBuffer>);
    if (carriesUpdate) {
      // Sync step 2 carries all that the server lacked, so nothing is owed once it is sent.
      if (message[1] === sync.messageYjsSyncStep2) this.unsent = false;
      this.sent++;
      this.set({});
    }
  }

  private receive(data: Uint8Array) {
    this.heard = Date.now();
    const decoder = decoding.createDecoder(data);
    const encoder = encoding.createEncoder();
    const kind = decoding.readVarUint(decoder);
    switch (kind) {
      case MESSAGE_SYNC: {
        encoding.writeVarUint(encoder, MESSAGE_SYNC);
        const step = sync.readSyncMessage(decoder, encoder, this.doc, this);
        // The answer to the server's step 2 is the server's state: this copy is up to date.
        // Back after a lost connection, the comments may have changed meanwhile too.
        if (step === sync.messageYjsSyncStep2 && this.state.synced) this.oncomments();
        if (step === sync.messageYjsSyncStep2 && !this.state.synced) this.set({ synced: true });
        if (step === sync.messageYjsSyncStep2) this.attempts = 0;
        if (encoding.length(encoder) > 1) this.send(encoding.toUint8Array(encoder));
        break;
      }
      case MESSAGE_AWARENESS:
        awarenessProtocol.applyAwarenessUpdate(this.awareness, decoding.readVarUint8Array(decoder), this);
        break;
      case MESSAGE_QUERY_AWARENESS:
        this.send(this.awarenessMessage([...this.awareness.getStates().keys()]));
        break;
      case MESSAGE_TAVLE: {
        const what = decoding.readVarUint(decoder);
        const n = decoding.readVarUint(decoder);
        if (what === TAVLE_SAVED) {
          this.acked = Math.max(this.acked, n);
          this.set({});
        } else if (what === TAVLE_ACCESS) {
          this.set({ writable: n === 1 });
        } else if (what === TAVLE_COMMENTS) {
          this.oncomments();
        }
        break;
      }
      default:
      // A message of a later protocol version: nothing this client needs to do.
    }
  }

  private awarenessMessage(clients: number[]): Uint8Array {
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, MESSAGE_AWARENESS);
    encoding.writeVarUint8Array(encoder, awarenessProtocol.encodeAwarenessUpdate(this.awareness, clients));
    return encoding.toUint8Array(encoder);
  }

  private onDocUpdate = (update: Uint8Array, origin: unknown) => {
    if (origin === this) return;
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, MESSAGE_SYNC);
    sync.writeUpdate(encoder, update);
    this.send(encoding.toUint8Array(encoder));
  };

  private onAwarenessUpdate = (
    { added, updated, removed }: { added: number[]; updated: number[]; removed: number[] },
    origin: unknown,
  ) => {
    if (origin === this) return;
    this.send(this.awarenessMessage([...added, ...updated, ...removed]));
  };
}
