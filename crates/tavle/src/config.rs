//! Configuration: one struct, read once at start as defaults → TOML file → `TAVLE_`
//! environment variables → command-line flags, validated, then passed by value. Unknown keys
//! are errors, so a typo does not silently fall back to a default.

use std::path::{Path, PathBuf};

use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use serde::{Deserialize, Serialize};

#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Address to listen on, e.g. `127.0.0.1:8080` or `0.0.0.0:8080`.
    pub listen: String,
    /// Directory for the embedded database and, with the local blob store, file contents.
    pub data_dir: PathBuf,
    /// `sqlite:///path/tavle.db` or `postgres://user:pass@host/db`. Default: SQLite in `data_dir`.
    pub database_url: Option<String>,
    /// A file holding the database URL (for secrets mounted as files).
    pub database_url_file: Option<PathBuf>,
    /// Largest number of database connections.
    pub database_max_connections: u32,
    /// Set when Tavle is served over HTTPS (directly or behind a proxy): cookies get `Secure`
    /// and the `__Host-` prefix.
    pub secure_cookies: bool,
    /// Trust `X-Forwarded-For` for the client address. Only behind your own proxy.
    pub trust_forwarded_for: bool,
    /// The address people reach Tavle at, e.g. `https://tavle.aarhus.dk`: login services send
    /// people back to it, so it is registered with them. Default: `http://` and the address
    /// Tavle listens on (fine on one machine, wrong behind a proxy).
    pub public_url: Option<String>,
    /// Let login services (OpenID Connect providers) live on this machine, over plain `http`
    /// on loopback: tests, or a provider run beside Tavle. Otherwise they must be `https` on a
    /// public address, so an admin's setting cannot make Tavle call inside the data centre.
    pub oidc_allow_loopback: bool,
    /// `text` or `json`.
    pub log_format: String,
    /// A session unused this many minutes ends.
    pub session_idle_minutes: i64,
    /// A session ends this many hours after login.
    pub session_absolute_hours: i64,
    /// Password hashes computed at once (default: number of cores).
    pub password_workers: Option<usize>,
    /// Logins waiting for a hash worker before new ones are told to try again shortly.
    pub password_queue: Option<usize>,
    /// Failed logins allowed per account from one address within the window.
    pub login_failures_per_account_and_source: i64,
    /// Failed logins allowed per account from anywhere within the window.
    pub login_failures_per_account: i64,
    /// Failed logins allowed per address within the window (high: a school is one address).
    pub login_failures_per_source: i64,
    /// The throttling window in minutes.
    pub login_failure_window_minutes: i64,
    /// Sessions kept in memory with their `/me` view (about 3 KB each).
    pub session_cache_entries: usize,
    /// How often (milliseconds) a node reads what other nodes changed, so their changes
    /// (a person disabled, a roster imported) reach its session cache within this time.
    pub cache_sync_ms: u64,
    /// Where file contents live: `local` (a directory) or `s3` (any S3-compatible store).
    pub blob_store: String,
    /// The local blob directory. Default: `blobs` in `data_dir`.
    pub blob_dir: Option<PathBuf>,
    /// The S3 endpoint, e.g. `http://127.0.0.1:3900` for Garage; empty for AWS itself.
    pub s3_endpoint: String,
    pub s3_bucket: String,
    pub s3_region: String,
    pub s3_access_key_id: String,
    pub s3_secret_access_key: Option<String>,
    /// A file holding the S3 secret key (for secrets mounted as files).
    pub s3_secret_access_key_file: Option<PathBuf>,
    /// Quota of a pupil's own drive in MiB (applies to drives created from then on).
    pub drive_quota_pupil_mib: i64,
    /// Quota of a teacher's or staff member's own drive in MiB.
    pub drive_quota_staff_mib: i64,
    /// Default quota of a class or team drive in MiB.
    pub drive_quota_group_mib: i64,
    /// Default quota of a school's staff drive in MiB.
    pub drive_quota_school_mib: i64,
    /// Days deleted files stay in the trash.
    pub drive_trash_days: i64,
    /// Days older versions of files are kept.
    pub drive_version_days: i64,
    /// Older versions kept per file at most.
    pub drive_max_versions: usize,
    /// Let WebDAV and the sync clients log in with a person's own password, not only with
    /// app passwords. `tavle demo` turns it on; production should leave it off.
    pub dav_accepts_login_password: bool,
    /// Seconds an open document with nobody in it stays in memory (someone reloading the
    /// page comes back to it); then it is let go, and loaded from the store when next opened.
    pub document_idle_seconds: u64,
    /// A hand-in begun before its deadline counts as on time if it is recorded within this
    /// many seconds after it.
    pub hand_in_grace_secs: i64,
    /// The lowest class grade (årgang) whose work gets grades on the 7-point scale; the
    /// folkeskole gives grades from 8th grade. Written feedback is given everywhere.
    pub grades_from_grade: u8,
}

impl Default for Config {
    fn default() -> Self {
        let t = tavle_app::ThrottleConfig::default();
        let d = tavle_app::drive::DriveConfig::default();
        Config {
            listen: "127.0.0.1:8080".into(),
            data_dir: PathBuf::from("tavle-data"),
            database_url: None,
            database_url_file: None,
            database_max_connections: 16,
            secure_cookies: false,
            trust_forwarded_for: false,
            public_url: None,
            oidc_allow_loopback: false,
            log_format: "text".into(),
            session_idle_minutes: 240,
            session_absolute_hours: 12,
            password_workers: None,
            password_queue: None,
            login_failures_per_account_and_source: t.per_account_and_source,
            login_failures_per_account: t.per_account,
            login_failures_per_source: t.per_source,
            login_failure_window_minutes: t.window_secs / 60,
            session_cache_entries: 100_000,
            cache_sync_ms: 500,
            blob_store: "local".into(),
            blob_dir: None,
            s3_endpoint: String::new(),
            s3_bucket: String::new(),
            s3_region: "garage".into(),
            s3_access_key_id: String::new(),
            s3_secret_access_key: None,
            s3_secret_access_key_file: None,
            drive_quota_pupil_mib: d.quota_pupil >> 20,
            drive_quota_staff_mib: d.quota_staff >> 20,
            drive_quota_group_mib: d.quota_group >> 20,
            drive_quota_school_mib: d.quota_school >> 20,
            drive_trash_days: d.trash_days,
            drive_version_days: d.version_days,
            drive_max_versions: d.max_versions,
            dav_accepts_login_password: false,
            hand_in_grace_secs: 120,
            grades_from_grade: 8,
            document_idle_seconds: 30,
        }
    }
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The database URL may hold a password.
        let url = self.database_url.as_ref().map(|_| "<redacted>");
        f.debug_struct("Config")
            .field("listen", &self.listen)
            .field("data_dir", &self.data_dir)
            .field("database_url", &url)
            .field("secure_cookies", &self.secure_cookies)
            .field("log_format", &self.log_format)
            .field("blob_store", &self.blob_store)
            .field("s3_endpoint", &self.s3_endpoint)
            .field("s3_bucket", &self.s3_bucket)
            .finish_non_exhaustive()
    }
}

/// Values given on the command line; they win over everything else.
#[derive(Default, Serialize)]
pub struct Overrides {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listen: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_dir: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database_url: Option<String>,
}

/// `TAVLE_*` variables that are not settings: the configuration file's path, the log filter,
/// the first admin's password, the test suite's PostgreSQL and S3 servers, and where a
/// packager's built web app is (`TAVLE_WEB_DIST`, read when Tavle is built).
const NOT_CONFIGURATION: [&str; 10] = [
    "web_dist",
    "config",
    "log",
    "admin_password",
    "test_postgres_url",
    "test_s3_endpoint",
    "test_s3_bucket",
    "test_s3_region",
    "test_s3_key_id",
    "test_s3_secret",
];

impl Config {
    /// Loads the configuration: defaults, then the TOML file, then `TAVLE_*` variables, then
    /// command-line flags. Unknown keys are errors, so a misspelt setting is not ignored.
    pub fn load(file: Option<&Path>, overrides: Overrides) -> anyhow::Result<Config> {
        let mut fig = Figment::from(Serialized::defaults(Config::default()));
        if let Some(f) = file {
            if !f.exists() {
                anyhow::bail!("configuration file {} does not exist", f.display());
            }
            fig = fig.merge(Toml::file(f));
        }
        let cfg: Config = fig
            .merge(Env::prefixed("TAVLE_").ignore(&NOT_CONFIGURATION))
            .merge(Serialized::defaults(overrides))
            .extract()
            .map_err(|e| anyhow::anyhow!("configuration: {e}"))?;
        cfg.validate()?;
        Ok(cfg)
    }

    fn validate(&self) -> anyhow::Result<()> {
        if !matches!(self.log_format.as_str(), "text" | "json") {
            anyhow::bail!("log_format must be \"text\" or \"json\", not {:?}", self.log_format);
        }
        if let Some(u) = &self.public_url {
            if !(u.starts_with("https://") || u.starts_with("http://")) || u.contains(['?', '#']) {
                anyhow::bail!("public_url must be an address like https://tavle.example.dk, not {u:?}");
            }
        }
        if self.session_idle_minutes < 1 || self.session_absolute_hours < 1 {
            anyhow::bail!("session_idle_minutes and session_absolute_hours must be at least 1");
        }
        if !matches!(self.blob_store.as_str(), "local" | "s3") {
            anyhow::bail!("blob_store must be \"local\" or \"s3\", not {:?}", self.blob_store);
        }
        if self.blob_store == "s3" && (self.s3_bucket.is_empty() || self.s3_access_key_id.is_empty()) {
            anyhow::bail!("blob_store = \"s3\" needs s3_bucket, s3_access_key_id and s3_secret_access_key");
        }
        if self.drive_trash_days < 1 || self.drive_version_days < 1 {
            anyhow::bail!("drive_trash_days and drive_version_days must be at least 1");
        }
        self.listen.parse::<std::net::SocketAddr>().map_err(|_| {
            anyhow::anyhow!("listen must be an address with a port such as 127.0.0.1:8080, not {:?}", self.listen)
        })?;
        Ok(())
    }

    /// The database URL: given, read from a file, or SQLite in the data directory.
    pub fn database_url(&self) -> anyhow::Result<String> {
        if let Some(u) = &self.database_url {
            return Ok(u.clone());
        }
        if let Some(f) = &self.database_url_file {
            let text = std::fs::read_to_string(f)
                .map_err(|e| anyhow::anyhow!("reading database_url_file {}: {e}", f.display()))?;
            return Ok(text.trim().to_string());
        }
        std::fs::create_dir_all(&self.data_dir)
            .map_err(|e| anyhow::anyhow!("creating data directory {}: {e}", self.data_dir.display()))?;
        let abs = std::fs::canonicalize(&self.data_dir)?;
        Ok(format!("sqlite://{}", abs.join("tavle.db").display()))
    }

    /// Where file contents live.
    pub fn blob_config(&self) -> anyhow::Result<tavle_blob::BlobConfig> {
        if self.blob_store == "local" {
            let dir = self.blob_dir.clone().unwrap_or_else(|| self.data_dir.join("blobs"));
            return Ok(tavle_blob::BlobConfig::Local { dir });
        }
        let secret = match (&self.s3_secret_access_key, &self.s3_secret_access_key_file) {
            (Some(s), _) => s.clone(),
            (None, Some(f)) => std::fs::read_to_string(f)
                .map_err(|e| anyhow::anyhow!("reading s3_secret_access_key_file {}: {e}", f.display()))?
                .trim()
                .to_string(),
            (None, None) => {
                anyhow::bail!("blob_store = \"s3\" needs s3_secret_access_key or s3_secret_access_key_file")
            }
        };
        Ok(tavle_blob::BlobConfig::S3(tavle_blob::S3Config {
            endpoint: self.s3_endpoint.clone(),
            bucket: self.s3_bucket.clone(),
            region: self.s3_region.clone(),
            access_key_id: self.s3_access_key_id.clone(),
            secret_access_key: secret,
        }))
    }

    pub fn app_config(&self) -> tavle_app::AppConfig {
        let mut passwords = tavle_app::PasswordConfig::default();
        if let Some(w) = self.password_workers {
            passwords.workers = w.max(1);
        }
        if let Some(q) = self.password_queue {
            passwords.queue = q;
        }
        tavle_app::AppConfig {
            session_idle_secs: self.session_idle_minutes * 60,
            session_absolute_secs: self.session_absolute_hours * 3600,
            throttle: tavle_app::ThrottleConfig {
                window_secs: self.login_failure_window_minutes * 60,
                per_account_and_source: self.login_failures_per_account_and_source,
                per_account: self.login_failures_per_account,
                per_source: self.login_failures_per_source,
            },
            passwords,
            session_cache_entries: self.session_cache_entries,
            drive: tavle_app::drive::DriveConfig {
                quota_pupil: self.drive_quota_pupil_mib << 20,
                quota_staff: self.drive_quota_staff_mib << 20,
                quota_group: self.drive_quota_group_mib << 20,
                quota_school: self.drive_quota_school_mib << 20,
                trash_days: self.drive_trash_days,
                version_days: self.drive_version_days,
                max_versions: self.drive_max_versions,
            },
            dav_accepts_login_password: self.dav_accepts_login_password,
            hand_in_grace_secs: self.hand_in_grace_secs.clamp(0, 3600),
            grades_from_grade: self.grades_from_grade,
            document_idle_secs: self.document_idle_seconds,
            oidc_allow_loopback: self.oidc_allow_loopback,
        }
    }

    /// The HTTP layer's settings, once Tavle listens at `bound`.
    pub fn http_config(&self, bound: std::net::SocketAddr) -> tavle_http::HttpConfig {
        let public_url = match &self.public_url {
            Some(u) => u.trim_end_matches('/').to_string(),
            None => format!("http://{bound}"),
        };
        tavle_http::HttpConfig {
            secure_cookies: self.secure_cookies,
            trust_forwarded_for: self.trust_forwarded_for,
            public_url,
        }
    }
}
