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
    /// Directory for the embedded database (and, later, file contents).
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
}

impl Default for Config {
    fn default() -> Self {
        let t = tavle_app::ThrottleConfig::default();
        Config {
            listen: "127.0.0.1:8080".into(),
            data_dir: PathBuf::from("tavle-data"),
            database_url: None,
            database_url_file: None,
            database_max_connections: 16,
            secure_cookies: false,
            trust_forwarded_for: false,
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
/// the first admin's password and the test suite's PostgreSQL URL.
const NOT_CONFIGURATION: [&str; 4] = ["config", "log", "admin_password", "test_postgres_url"];

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
        if self.session_idle_minutes < 1 || self.session_absolute_hours < 1 {
            anyhow::bail!("session_idle_minutes and session_absolute_hours must be at least 1");
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
        }
    }

    pub fn http_config(&self) -> tavle_http::HttpConfig {
        tavle_http::HttpConfig { secure_cookies: self.secure_cookies, trust_forwarded_for: self.trust_forwarded_for }
    }
}
