//! A room: one open document on this node, the connections editing it, and their cursors;
//! and the rooms open on this node (one per document, loaded once, let go when idle).
//!
//! Messages are the y-websocket protocol's (sync step 1 and 2, update, awareness), plus
//! Tavle's own (`editor.rs`: `saved n`, `access w`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use bytes::Bytes;
use tavle_core::{NodeId, PersonId, TenantId};
use tokio::sync::{mpsc, OnceCell};
use yrs::sync::{Awareness, AwarenessUpdate, Message, SyncMessage};
use yrs::updates::decoder::Decode;
use yrs::updates::encoder::Encode;
use yrs::{ClientID, Doc, ReadTxn, Transact, Update};

use super::{apply, load, Documents};
use crate::error::{AppError, AppResult};

/// How many messages may wait for one connection; one that falls further behind (a stalled
/// network) is closed, and catches up by syncing again when it reconnects.
const OUTBOX: usize = 4096;

/// What goes out to one connection.
#[derive(Debug)]
pub enum Outbound {
    /// A binary message of the protocol.
    Message(Bytes),
    /// Close the connection for this reason.
    Close(AppError),
}

type Key = (TenantId, NodeId);

/// The rooms open on this node.
#[derive(Default)]
pub(crate) struct Rooms {
    open: Mutex<HashMap<Key, Arc<OnceCell<Arc<Room>>>>>,
}

pub(super) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Rooms {
    /// The document's room, loaded once however many open it at the same time, with a new
    /// connection in it.
    pub(crate) async fn open(
        &self,
        docs: &Documents,
        tenant: TenantId,
        node: NodeId,
        person: PersonId,
    ) -> AppResult<(Arc<Room>, u64, mpsc::Receiver<Outbound>)> {
        let key = (tenant, node);
        loop {
            let cell = lock(&self.open).entry(key).or_default().clone();
            let room = cell
                .get_or_try_init(|| async {
                    let stored = docs.stored(tenant, node).await?;
                    let doc = load(node, &stored)?;
                    let now = docs.clock.now().millis();
                    let (updates, bytes) = (stored.updates.len(), stored.update_bytes());
                    Ok::<_, AppError>(Arc::new(Room::new(tenant, node, doc, updates, bytes, now)))
                })
                .await;
            let room = match room {
                Ok(r) => r.clone(),
                Err(e) => {
                    self.forget(key, &cell);
                    return Err(e);
                }
            };
            match room.add_peer(person) {
                Some((id, rx)) => return Ok((room, id, rx)),
                // Closed meanwhile (idle, or broken): load it afresh.
                None => self.forget(key, &cell),
            }
        }
    }

    fn forget(&self, key: Key, cell: &Arc<OnceCell<Arc<Room>>>) {
        let mut open = lock(&self.open);
        if open.get(&key).is_some_and(|c| Arc::ptr_eq(c, cell)) {
            open.remove(&key);
        }
    }

    /// Drops a room from memory if nobody is in it (after `document_idle_secs`).
    /// Whether it was dropped.
    pub(super) fn drop_if_idle(&self, room: &Arc<Room>) -> bool {
        self.remove_if(room, Room::close_if_empty)
    }

    /// Closes a room whose document can no longer be trusted in memory: everyone in it is
    /// disconnected and reconnects to a copy loaded from the store.
    pub(super) fn discard(&self, room: &Arc<Room>, why: &str) {
        room.close_all(why);
        self.remove_if(room, |_| true);
    }

    /// Forgets `room` if it is still the one open for its document and `close` agrees.
    fn remove_if(&self, room: &Arc<Room>, close: impl FnOnce(&Room) -> bool) -> bool {
        let mut open = lock(&self.open);
        let ours = open.get(&room.key()).and_then(|c| c.get()).is_some_and(|r| Arc::ptr_eq(r, room));
        let remove = ours && close(room);
        if remove {
            open.remove(&room.key());
        }
        remove
    }

    pub(crate) fn len(&self) -> usize {
        lock(&self.open).len()
    }

    /// The document's room if it is open here.
    pub(crate) fn get(&self, tenant: TenantId, node: NodeId) -> Option<Arc<Room>> {
        lock(&self.open).get(&(tenant, node)).and_then(|c| c.get().cloned())
    }

    /// Every room open here.
    pub(crate) fn all(&self) -> Vec<Arc<Room>> {
        lock(&self.open).values().filter_map(|c| c.get().cloned()).collect()
    }
}

/// One document open on this node.
pub struct Room {
    pub(super) tenant: TenantId,
    pub(super) node: NodeId,
    pub(super) state: Mutex<RoomState>,
}

pub(super) struct RoomState {
    pub(super) awareness: Awareness,
    peers: HashMap<u64, Peer>,
    /// Which connection introduced each awareness client id: one connection cannot move or
    /// remove another's cursor.
    pub(super) owners: HashMap<ClientID, u64>,
    next_peer: u64,
    /// Updates and their bytes stored after the snapshot (compaction's measure).
    pub(super) stored_updates: usize,
    pub(super) stored_bytes: usize,
    pub(super) compacting: bool,
    /// When a version was last kept (or the room was loaded).
    pub(super) last_version_at: i64,
    /// Whether a change was stored since the room was loaded (its file form is then made
    /// again when the room is let go).
    pub(super) changed: bool,
    closed: bool,
}

struct Peer {
    tx: mpsc::Sender<Outbound>,
    person: PersonId,
}

impl Room {
    fn new(tenant: TenantId, node: NodeId, doc: Doc, stored_updates: usize, stored_bytes: usize, now: i64) -> Self {
        Room {
            tenant,
            node,
            state: Mutex::new(RoomState {
                awareness: Awareness::new(doc),
                peers: HashMap::new(),
                owners: HashMap::new(),
                next_peer: 0,
                stored_updates,
                stored_bytes,
                compacting: false,
                last_version_at: now,
                changed: false,
                closed: false,
            }),
        }
    }

    fn add_peer(&self, person: PersonId) -> Option<(u64, mpsc::Receiver<Outbound>)> {
        let mut st = lock(&self.state);
        if st.closed {
            return None;
        }
        let (tx, rx) = mpsc::channel(OUTBOX);
        st.next_peer += 1;
        let id = st.next_peer;
        st.peers.insert(id, Peer { tx, person });
        Some((id, rx))
    }

    /// Removes a connection and its cursors (telling the others). Whether the room is empty,
    /// and the awareness message that removed its cursors (for the other nodes).
    pub(super) fn remove_peer(&self, id: u64) -> (bool, Option<Bytes>) {
        let mut st = lock(&self.state);
        st.peers.remove(&id);
        let gone: Vec<ClientID> = st.owners.iter().filter(|(_, p)| **p == id).map(|(c, _)| *c).collect();
        if !gone.is_empty() {
            let mut update = AwarenessUpdate { clients: HashMap::new() };
            for c in &gone {
                st.owners.remove(c);
                if let Some(entry) = st.awareness.update_with_clients([*c]).ok().and_then(|u| u.clients.get(c).cloned())
                {
                    update.clients.insert(
                        *c,
                        yrs::sync::awareness::AwarenessUpdateEntry { clock: entry.clock + 1, json: "null".into() },
                    );
                }
            }
            let _ = st.awareness.apply_update(update.clone());
            let msg = Bytes::from(Message::Awareness(update).encode_v1());
            Self::send_others(&mut st, id, &msg);
            return (st.peers.is_empty(), Some(msg));
        }
        (st.peers.is_empty(), None)
    }

    pub(super) fn close_if_empty(&self) -> bool {
        let mut st = lock(&self.state);
        if st.peers.is_empty() {
            st.closed = true;
        }
        st.closed
    }

    fn close_all(&self, why: &str) {
        let mut st = lock(&self.state);
        st.closed = true;
        for (_, p) in st.peers.drain() {
            let _ = p.tx.try_send(Outbound::Close(AppError::Internal(why.to_string())));
        }
    }

    /// Sends to every connection but `from`; one whose outbox is full is dropped from the
    /// room (its connection ends when its outbox runs dry, and it syncs again on reconnect).
    pub(super) fn send_others(st: &mut RoomState, from: u64, msg: &Bytes) {
        let mut lagging = Vec::new();
        for (id, p) in &st.peers {
            if *id != from && p.tx.try_send(Outbound::Message(msg.clone())).is_err() {
                lagging.push(*id);
            }
        }
        for id in lagging {
            if let Some(p) = st.peers.remove(&id) {
                tracing::warn!(person = %p.person, "a document connection fell behind and was closed");
            }
        }
    }

    /// Sends to every connection in the room.
    pub(super) fn tell_all(&self, msg: Bytes) {
        let mut st = lock(&self.state);
        Room::send_others(&mut st, u64::MAX, &msg);
    }

    pub(super) fn send_to(&self, id: u64, msg: Bytes) {
        let st = lock(&self.state);
        if let Some(p) = st.peers.get(&id) {
            let _ = p.tx.try_send(Outbound::Message(msg));
        }
    }

    pub(crate) fn key(&self) -> Key {
        (self.tenant, self.node)
    }

    /// Applies cursors from another node (an awareness message) and passes them to everyone
    /// here. Their client ids belong to no connection here, so none of them can move those.
    pub(crate) fn apply_remote_awareness(&self, message: &[u8]) {
        let Ok(Message::Awareness(update)) = Message::decode_v1(message) else { return };
        let mut st = lock(&self.state);
        if st.awareness.apply_update(update).is_ok() {
            Self::send_others(&mut st, 0, &Bytes::copy_from_slice(message));
        }
    }

    /// Applies an update another node recorded (or the stored state, again) and passes what
    /// was new to everyone here. Applying what the room has already changes nothing and
    /// sends nothing.
    pub(crate) fn apply_remote(&self, data: &[u8]) {
        let mut st = lock(&self.state);
        let before = st.awareness.doc().transact().state_vector();
        if let Err(e) = apply(st.awareness.doc(), data) {
            tracing::error!(node = %self.node, error = ?e, "a stored document update does not apply here");
            return;
        }
        let diff = st.awareness.doc().transact().encode_state_as_update_v1(&before);
        let nothing = Update::decode_v1(&diff).map(|u| u.is_empty()).unwrap_or(true);
        if !nothing {
            let msg = Bytes::from(Message::Sync(SyncMessage::Update(diff)).encode_v1());
            Self::send_others(&mut st, 0, &msg);
        }
    }
}
