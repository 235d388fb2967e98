//! One person's connection to an open document: the y-websocket messages from their browser
//! into the room, and what the room and the store say back to them. A change is applied in
//! memory and passed to the others at once; it is acknowledged (`saved n`) only after the
//! batch that records it has committed.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use tavle_core::{NodeId, PersonId, TenantId};
use tokio::sync::mpsc;
use yrs::encoding::read::Cursor;
use yrs::encoding::write::Write;
use yrs::sync::{AwarenessUpdate, Message, MessageReader, SyncMessage};
use yrs::updates::decoder::{Decode, DecoderV1};
use yrs::updates::encoder::{Encode, Encoder, EncoderV1};
use yrs::{ReadTxn, StateVector, Transact, Update};

use super::room::{lock, Outbound, Room};
use super::versions::VERSION_EVERY_MS;
use super::{apply_update, ApplyError, DocUpdate, Documents, MAX_UPDATE_BYTES};
use crate::batch::Batcher;
use crate::error::{AppError, AppResult};

/// The message type of Tavle's own messages (y-websocket uses 0–3).
pub const MSG_TAVLE: u8 = 100;
/// `MSG_TAVLE, SAVED, n`: the first `n` changes this connection sent are durable.
pub const TAVLE_SAVED: u8 = 0;
/// `MSG_TAVLE, ACCESS, w`: the editor may write (`w` = 1) or only read (0) from now on.
pub const TAVLE_ACCESS: u8 = 1;
/// `MSG_TAVLE, COMMENTS, 0`: the document's comments changed; read them again.
pub const TAVLE_COMMENTS: u8 = 2;

/// What a connection's changes await: which of them are durable.
#[derive(Default)]
struct Acks {
    done: BTreeSet<u64>,
    upto: u64,
}

/// One person's connection to an open document.
pub struct Editor {
    docs: Documents,
    room: Arc<Room>,
    id: u64,
    person: PersonId,
    /// The person's name as the school has it: the name on their cursor.
    name: String,
    writable: Arc<AtomicBool>,
    rx: mpsc::Receiver<Outbound>,
    /// Changes received from this connection (numbered from 1).
    received: u64,
    acks: Arc<Mutex<Acks>>,
}

impl std::fmt::Debug for Editor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Editor").field("node", &self.room.node).field("person", &self.person).finish_non_exhaustive()
    }
}

impl Editor {
    pub(crate) fn join(
        docs: Documents,
        room: Arc<Room>,
        id: u64,
        rx: mpsc::Receiver<Outbound>,
        person: PersonId,
        name: String,
        writable: bool,
    ) -> Self {
        Editor {
            docs,
            room,
            id,
            person,
            name,
            writable: Arc::new(AtomicBool::new(writable)),
            rx,
            received: 0,
            acks: Arc::default(),
        }
    }

    pub fn node(&self) -> NodeId {
        self.room.node
    }

    pub fn tenant(&self) -> TenantId {
        self.room.tenant
    }

    pub fn person(&self) -> PersonId {
        self.person
    }

    pub fn writable(&self) -> bool {
        self.writable.load(Ordering::Relaxed)
    }

    /// Makes the editor read-only, or writable again, telling the browser.
    pub(crate) fn set_writable(&self, w: bool) {
        if self.writable.swap(w, Ordering::Relaxed) != w {
            self.room.send_to(self.id, tavle_message(TAVLE_ACCESS, u64::from(w)));
        }
    }

    /// The first messages to the browser: the server's state vector (sync step 1), whether
    /// it may write, and the cursors of those already in the document.
    pub fn start(&self) -> Vec<Bytes> {
        let st = lock(&self.room.state);
        let sv = st.awareness.doc().transact().state_vector();
        let mut out = vec![
            Bytes::from(Message::Sync(SyncMessage::SyncStep1(sv)).encode_v1()),
            tavle_message(TAVLE_ACCESS, u64::from(self.writable())),
        ];
        if let Ok(update) = st.awareness.update() {
            if !update.clients.is_empty() {
                out.push(Bytes::from(Message::Awareness(update).encode_v1()));
            }
        }
        out
    }

    /// The next message for the browser; `None` when the room let go of this connection.
    pub async fn next(&mut self) -> Option<Outbound> {
        self.rx.recv().await
    }

    /// Handles one binary message from the browser. An error ends the connection; a change
    /// that does not decode or apply is refused and logged, and the document is unchanged.
    pub async fn receive(&mut self, data: &[u8]) -> AppResult<()> {
        if data.len() > MAX_UPDATE_BYTES + 64 {
            return Err(self.refuse("a message over 1 MiB"));
        }
        let mut decoder = DecoderV1::new(Cursor::new(data));
        let mut messages = Vec::new();
        for m in MessageReader::new(&mut decoder) {
            match m {
                Ok(m) => messages.push(m),
                Err(_) => return Err(self.refuse("a message that does not decode")),
            }
        }
        for m in messages {
            match m {
                Message::Sync(SyncMessage::SyncStep1(sv)) => self.answer_step1(&sv),
                Message::Sync(SyncMessage::SyncStep2(u)) | Message::Sync(SyncMessage::Update(u)) => {
                    self.change(u)?;
                }
                Message::Awareness(update) => self.awareness(update),
                Message::AwarenessQuery => {
                    let st = lock(&self.room.state);
                    if let Ok(update) = st.awareness.update() {
                        drop(st);
                        self.room.send_to(self.id, Bytes::from(Message::Awareness(update).encode_v1()));
                    }
                }
                Message::Auth(_) | Message::Custom(..) => {}
            }
        }
        Ok(())
    }

    fn refuse(&self, what: &str) -> AppError {
        tracing::warn!(node = %self.room.node, person = %self.person, what, "a document change was refused");
        AppError::BadDocumentUpdate
    }

    fn answer_step1(&self, sv: &StateVector) {
        let update = lock(&self.room.state).awareness.doc().transact().encode_state_as_update_v1(sv);
        self.room.send_to(self.id, Bytes::from(Message::Sync(SyncMessage::SyncStep2(update)).encode_v1()));
    }

    /// A change: applied, passed on to the others, recorded, then acknowledged.
    fn change(&mut self, data: Vec<u8>) -> AppResult<()> {
        if !self.writable() {
            // A read-only editor's change is dropped; its browser was told it may not write.
            return Ok(());
        }
        self.received += 1;
        let n = self.received;
        if data.len() > MAX_UPDATE_BYTES {
            return Err(self.refuse("a change over 1 MiB"));
        }
        // Decoded once: an empty change (a sync step 2 with nothing new) is durable as it is.
        let Ok(update) = Update::decode_v1(&data) else {
            return Err(self.refuse("a change that does not decode"));
        };
        if update.is_empty() {
            ack(&self.room, self.id, &self.acks, n);
            return Ok(());
        }
        {
            let mut st = lock(&self.room.state);
            match apply_update(st.awareness.doc(), update) {
                Ok(()) => {}
                Err(ApplyError::Refused) => return Err(self.refuse("a change that does not apply")),
                Err(ApplyError::Panicked) => {
                    drop(st);
                    self.docs.rooms.discard(&self.room, "the document was reloaded after a refused change");
                    return Err(self.refuse("a change that made the CRDT panic"));
                }
            }
            let msg = Bytes::from(Message::Sync(SyncMessage::Update(data.clone())).encode_v1());
            Room::send_others(&mut st, self.id, &msg);
        }
        let job = DocUpdate { tenant: self.room.tenant, node: self.room.node, by: self.person, data };
        let docs = self.docs.clone();
        let room = self.room.clone();
        let acks = self.acks.clone();
        let id = self.id;
        let person = self.person;
        tokio::spawn(async move {
            let len = job.data.len();
            match Batcher::submit(&docs, job).await {
                Ok(_) => {
                    ack(&room, id, &acks, n);
                    stored(&docs, &room, len, person);
                }
                Err(e) => {
                    // Not stored: the room's copy holds a change the store does not. Everyone
                    // reconnects to a fresh copy; their browsers send what is missing again.
                    tracing::error!(error = %e, node = %room.node, "a document change could not be recorded");
                    docs.rooms.discard(&room, "a change could not be recorded");
                }
            }
        });
        Ok(())
    }

    /// Cursors and names: applied and passed on, except entries for a client id another
    /// connection introduced.
    fn awareness(&self, mut update: AwarenessUpdate) {
        let mut st = lock(&self.room.state);
        let id = self.id;
        update.clients.retain(|c, _| *st.owners.entry(*c).or_insert(id) == id);
        if update.clients.is_empty() {
            return;
        }
        for entry in update.clients.values_mut() {
            if let Some(json) = named(&entry.json, &self.name) {
                entry.json = json.into();
            }
        }
        if st.awareness.apply_update(update.clone()).is_err() {
            return;
        }
        let msg = Bytes::from(Message::Awareness(update).encode_v1());
        Room::send_others(&mut st, id, &msg);
        drop(st);
        self.docs.announce_awareness(self.room.tenant, self.room.node, &msg);
    }
}

impl Drop for Editor {
    fn drop(&mut self) {
        let (empty, removed) = self.room.remove_peer(self.id);
        if let Some(msg) = removed {
            self.docs.announce_awareness(self.room.tenant, self.room.node, &msg);
        }
        if empty {
            let rooms = self.docs.rooms.clone();
            let room = self.room.clone();
            // How long a room with nobody in it stays (someone reloading the page comes back).
            let idle = Duration::from_secs(self.docs.cfg.document_idle_secs);
            let docs = self.docs.clone();
            if let Ok(rt) = tokio::runtime::Handle::try_current() {
                rt.spawn(async move {
                    tokio::time::sleep(idle).await;
                    // The last person left: the file form catches up with what they wrote.
                    if rooms.drop_if_idle(&room) && lock(&room.state).changed {
                        if let Err(e) = docs.refresh_rendition(room.tenant, room.node).await {
                            tracing::error!(error = %e, node = %room.node, "making a document's file form failed");
                        }
                    }
                });
            } else {
                rooms.drop_if_idle(&room);
            }
        }
    }
}

/// Marks change `n` of connection `id` durable, and tells it how many are when that grew.
fn ack(room: &Room, id: u64, acks: &Mutex<Acks>, n: u64) {
    if let Some(upto) = advance(acks, n) {
        room.send_to(id, tavle_message(TAVLE_SAVED, upto));
    }
}

/// Marks change `n` durable; the new count of durable changes if it grew.
fn advance(acks: &Mutex<Acks>, n: u64) -> Option<u64> {
    let mut a = lock(acks);
    a.done.insert(n);
    let before = a.upto;
    loop {
        let next = a.upto + 1;
        if !a.done.remove(&next) {
            break;
        }
        a.upto = next;
    }
    (a.upto > before).then_some(a.upto)
}

/// After a change was stored: count it, and compact the document when enough has gathered.
fn stored(docs: &Documents, room: &Arc<Room>, len: usize, by: PersonId) {
    let now = docs.clock.now().millis();
    let (start, version) = {
        let mut st = lock(&room.state);
        st.stored_updates += 1;
        st.stored_bytes += len;
        st.changed = true;
        let due = !st.compacting && Documents::needs_compaction(st.stored_updates, st.stored_bytes);
        if due {
            st.compacting = true;
        }
        // A version at most every few minutes of editing (the first that long after opening).
        let version = now - st.last_version_at >= VERSION_EVERY_MS;
        if version {
            st.last_version_at = now;
        }
        (due, version)
    };
    if version {
        let (docs, tenant, node) = (docs.clone(), room.tenant, room.node);
        tokio::spawn(async move {
            if let Err(e) = docs.cut_version(tenant, node, Some(by), None).await {
                tracing::error!(error = %e, %node, "keeping a version of a document failed");
            }
            if let Err(e) = docs.refresh_rendition(tenant, node).await {
                tracing::error!(error = %e, %node, "making a document's file form failed");
            }
        });
    }
    if start {
        let docs = docs.clone();
        let room = room.clone();
        tokio::spawn(async move {
            let r = docs.compact(room.tenant, room.node).await;
            let mut st = lock(&room.state);
            st.compacting = false;
            match r {
                Ok(()) => {
                    st.stored_updates = 0;
                    st.stored_bytes = 0;
                }
                Err(e) => tracing::error!(error = %e, node = %room.node, "compacting a document failed"),
            }
        });
    }
}

/// `[100, 2, 0]`: the comments changed.
pub(super) fn comments_changed() -> Bytes {
    tavle_message(TAVLE_COMMENTS, 0)
}

/// One of Tavle's own messages.
fn tavle_message(kind: u8, value: u64) -> Bytes {
    let mut e = EncoderV1::new();
    e.write_var(MSG_TAVLE);
    e.write_var(kind);
    e.write_var(value);
    Bytes::from(e.to_vec())
}

/// A cursor's state with the person's own name as `user.name` (what the editor shows on
/// their caret), so nobody can write as someone else; `None` when there is no user in it (a
/// state being cleared, or one without a caret).
fn named(json: &str, name: &str) -> Option<String> {
    let mut state: serde_json::Value = serde_json::from_str(json).ok()?;
    let user = state.get_mut("user")?.as_object_mut()?;
    user.insert("name".into(), serde_json::Value::String(name.to_string()));
    serde_json::to_string(&state).ok()
}

#[cfg(test)]
mod tests {
    use super::named;

    #[test]
    fn a_cursor_carries_the_persons_own_name() {
        let forged = r##"{"user":{"name":"Lærer Lise","color":"#b3261e"},"cursor":null}"##;
        let fixed = named(forged, "Elev Et").expect("a user state");
        let v: serde_json::Value = serde_json::from_str(&fixed).expect("json");
        assert_eq!(v["user"]["name"], "Elev Et");
        assert_eq!(v["user"]["color"], "#b3261e");
        assert_eq!(named("null", "Elev Et"), None);
        assert_eq!(named(r#"{"cursor":1}"#, "Elev Et"), None);
    }
}
