//! Starting and stopping the server.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tavle_app::App;
use tavle_core::Clock;
use tavle_store::{Store, StoreOptions};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::config::Config;

/// A running server.
pub struct Running {
    pub addr: SocketAddr,
    pub app: App,
    shutdown: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
}

impl Running {
    /// Stops accepting connections, lets requests in flight finish, and waits.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        (&mut self.task).await??;
        self.app.store().close().await;
        Ok(())
    }

    /// Waits until the server stops by itself (after [`Running::shutdown_handle`] fires).
    pub async fn wait(self) -> anyhow::Result<()> {
        self.task.await??;
        self.app.store().close().await;
        Ok(())
    }

    pub fn shutdown_handle(&mut self) -> Option<oneshot::Sender<()>> {
        self.shutdown.take()
    }
}

/// Opens the store (running migrations) and builds the application.
pub async fn open_app(cfg: &Config, clock: Arc<dyn Clock>) -> anyhow::Result<App> {
    let url = cfg.database_url()?;
    let opts = StoreOptions { max_connections: cfg.database_max_connections, ..StoreOptions::default() };
    let store = Store::open(&url, &opts).await.map_err(|e| anyhow::anyhow!("opening the database: {e}"))?;
    let blobs =
        tavle_blob::BlobStore::open(&cfg.blob_config()?).map_err(|e| anyhow::anyhow!("opening the blob store: {e}"))?;
    App::new(store, blobs, clock, cfg.app_config()).map_err(|e| anyhow::anyhow!("{e}"))
}

/// Starts serving `app` on `cfg.listen`.
pub async fn start(cfg: &Config, app: App) -> anyhow::Result<Running> {
    let listener =
        TcpListener::bind(&cfg.listen).await.map_err(|e| anyhow::anyhow!("listening on {}: {e}", cfg.listen))?;
    let addr = listener.local_addr()?;
    let state = tavle_http::HttpState::new(app.clone(), cfg.http_config(addr));
    let router = tavle_http::router(state);
    let (tx, rx) = oneshot::channel::<()>();

    let housekeeping_app = app.clone();
    let housekeeping = tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(600));
        loop {
            tick.tick().await;
            if let Err(e) = housekeeping_app.housekeeping().await {
                tracing::warn!(error = ?e, "housekeeping failed");
            }
        }
    });
    // What other nodes and processes change reaches this node's session cache this often.
    let sync_app = app.clone();
    let sync_every = Duration::from_millis(cfg.cache_sync_ms.max(10));
    let cache_sync = tokio::spawn(async move {
        let mut tick = tokio::time::interval(sync_every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(e) = sync_app.sync_cache().await {
                tracing::warn!(error = ?e, "session cache sync failed");
            }
            if let Err(e) = sync_app.sessions().flush_touches().await {
                tracing::warn!(error = ?e, "writing when sessions were last used failed");
            }
        }
    });
    // Other nodes' document changes reach the documents open here (PostgreSQL only).
    let follow_app = app.clone();
    let follow = tokio::spawn(async move {
        let mut wait = Duration::from_millis(200);
        loop {
            match follow_app.documents().follow_other_nodes().await {
                Ok(()) => return,
                Err(e) => tracing::warn!(error = ?e, "following other nodes' document changes failed; trying again"),
            }
            tokio::time::sleep(wait).await;
            wait = (wait * 2).min(Duration::from_secs(10));
        }
    });
    let final_app = app.clone();
    let task = tokio::spawn(async move {
        // No Nagle delay: a document's small update sent behind an unacknowledged packet would
        // otherwise wait for the client's delayed ACK (up to 40 ms; bench/documents).
        let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
            if let Err(e) = tcp.set_nodelay(true) {
                tracing::debug!(error = %e, "TCP_NODELAY could not be set");
            }
        });
        let out = axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>())
            .with_graceful_shutdown(async move {
                let _ = rx.await;
            })
            .await;
        housekeeping.abort();
        cache_sync.abort();
        follow.abort();
        if let Err(e) = final_app.sessions().flush_touches().await {
            tracing::warn!(error = ?e, "writing when sessions were last used failed at shutdown");
        }
        out
    });
    Ok(Running { addr, app, shutdown: Some(tx), task })
}
