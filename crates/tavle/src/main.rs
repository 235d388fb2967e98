//! The `tavle` command: `serve`, `demo`, `migrate`, `check`, `admin`, `import`, `receipt`.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use clap::{Parser, Subcommand};
use tavle::config::{Config, Overrides};
use tavle::server;
use tavle_core::SystemClock;

#[derive(Parser)]
#[command(name = "tavle", version, about = "Tavle, the open school platform")]
struct Cli {
    /// TOML configuration file (also TAVLE_CONFIG).
    #[arg(long, global = true, env = "TAVLE_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Args, Default)]
struct Common {
    /// Address to listen on, e.g. 127.0.0.1:8080.
    #[arg(long)]
    listen: Option<String>,
    /// Directory for the embedded database.
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// Database URL: sqlite:///path/tavle.db or postgres://host/db.
    #[arg(long)]
    database_url: Option<String>,
}

impl Common {
    fn overrides(self) -> Overrides {
        Overrides { listen: self.listen, data_dir: self.data_dir, database_url: self.database_url }
    }
}

#[derive(Subcommand)]
enum Command {
    /// Run the server.
    Serve(Common),
    /// Run the server with a demo municipality to log into (embedded database by default).
    Demo(Common),
    /// Bring the database schema up to date and exit.
    Migrate(Common),
    /// Check file contents against the metadata: report anything missing or damaged (exit
    /// status 1), remove uploads a crash left behind and contents nothing uses, expire the
    /// trash and old versions.
    Check(Common),
    /// Administer an installation.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Import data into Tavle.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Hand-in receipts.
    #[command(subcommand)]
    Receipt(ReceiptCommand),
}

#[derive(Subcommand)]
enum ReceiptCommand {
    /// Check a receipt offline: that it is whole and signed and, with --public-key (the key
    /// a Tavle publishes at /api/v1/receipt-key), that this Tavle signed it. Exit status 1
    /// when it does not verify.
    Verify {
        /// The receipt (a JSON file).
        file: PathBuf,
        /// The instance's public key, 64 hex digits.
        #[arg(long)]
        public_key: Option<String>,
    },
}

#[derive(Subcommand)]
enum ImportCommand {
    /// Import a roster: a Tavle CSV or JSON file, or a OneRoster CSV export (zip or
    /// directory). Only the difference is applied; nothing is applied if any row is bad.
    Roster {
        #[command(flatten)]
        common: Common,
        /// The roster file or directory.
        file: PathBuf,
        /// Tenant code of the municipality to import into.
        #[arg(long)]
        tenant: String,
        /// Tenant name, to create the municipality if it does not exist yet.
        #[arg(long)]
        tenant_name: Option<String>,
        /// Show what would change without changing anything.
        #[arg(long)]
        dry_run: bool,
        /// Apply even though more than 20 % of a school's people would leave (a roster export
        /// cut short looks like that; without this it is refused).
        #[arg(long)]
        confirm_leaving: bool,
        /// List every change, not just the counts.
        #[arg(long, short)]
        verbose: bool,
    },
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Create a tenant (municipality) if it does not exist, and a municipality admin in it.
    /// The password is read from TAVLE_ADMIN_PASSWORD or, failing that, one line of stdin.
    Create {
        #[command(flatten)]
        common: Common,
        /// Tenant code, e.g. the municipality number "0751".
        #[arg(long)]
        tenant_code: String,
        /// Tenant name, e.g. "Aarhus Kommune" (needed when the tenant is new).
        #[arg(long)]
        tenant_name: Option<String>,
        #[arg(long)]
        username: String,
        #[arg(long)]
        display_name: String,
    },
    /// Name a municipality's office server (Collabora Online or OnlyOffice) by its WOPI
    /// discovery address, as its admin can in the web app; or remove it with --remove.
    Office {
        #[command(flatten)]
        common: Common,
        /// Tenant code, e.g. "0751".
        #[arg(long)]
        tenant_code: String,
        /// The discovery address, e.g. https://office.kommune.dk/hosting/discovery
        #[arg(long, required_unless_present = "remove")]
        discovery_url: Option<String>,
        /// Stop using an office server.
        #[arg(long, conflicts_with = "discovery_url")]
        remove: bool,
    },
    /// A municipality's login services (Unilogin, OS2faktor, Keycloak over OpenID Connect),
    /// as its admin manages them in the web app; only here may a client secret be a file.
    #[command(subcommand)]
    LoginProvider(LoginProviderCommand),
}

#[derive(Subcommand)]
enum LoginProviderCommand {
    /// Add a login service; its discovery is read at once. Prints the addresses to register.
    Add {
        #[command(flatten)]
        common: Common,
        /// Tenant code, e.g. "0751".
        #[arg(long)]
        tenant_code: String,
        /// unilogin, os2faktor, keycloak or other (sets the defaults below).
        #[arg(long, default_value = "other")]
        preset: String,
        /// The short name in addresses, e.g. "unilogin".
        #[arg(long)]
        slug: String,
        /// The button's words: "Log ind med <display name>".
        #[arg(long)]
        display_name: String,
        /// The issuer, e.g. https://broker.unilogin.dk/auth/realms/broker
        #[arg(long)]
        issuer: String,
        #[arg(long)]
        client_id: String,
        /// A file holding the client secret (read at each login; never stored).
        #[arg(long)]
        client_secret_file: Option<PathBuf>,
        /// Scopes, space-separated (default by preset).
        #[arg(long)]
        scopes: Option<String>,
        /// The claim that names the person (default by preset: uniid for Unilogin, else sub).
        #[arg(long)]
        claim: Option<String>,
        /// The identity kind it is looked up as (default: UNI-Login for Unilogin, else the issuer).
        #[arg(long)]
        namespace: Option<String>,
    },
    /// List a municipality's login services.
    List {
        #[command(flatten)]
        common: Common,
        #[arg(long)]
        tenant_code: String,
    },
    /// Read a login service's discovery and keys again now.
    Check {
        #[command(flatten)]
        common: Common,
        #[arg(long)]
        tenant_code: String,
        #[arg(long)]
        slug: String,
    },
    /// Remove a login service; the sessions it made end.
    Remove {
        #[command(flatten)]
        common: Common,
        #[arg(long)]
        tenant_code: String,
        #[arg(long)]
        slug: String,
    },
}

fn print_provider(p: &tavle_app::federation::providers::ProviderView) {
    println!("{} ({}, {}): {}", p.slug, p.preset, if p.enabled { "on" } else { "off" }, p.display_name);
    println!("  issuer:            {}", p.issuer);
    println!("  client id:         {}", p.client_id);
    println!("  person by:         claim {} as {}", p.claim, p.namespace);
    println!("  redirect URI:      {}", p.redirect_uri);
    println!("  back-channel URI:  {}", p.backchannel_logout_uri);
    println!("  after logout:      {}", p.post_logout_redirect_uri);
    if let Some(c) = &p.check {
        let yes = |b: bool| if b { "yes" } else { "no" };
        println!(
            "  checked:           PKCE S256 {}, iss in answers {}, logout there {}, back-channel logout {}",
            yes(c.pkce_s256),
            yes(c.iss_parameter),
            yes(c.end_session),
            yes(c.backchannel_logout)
        );
    }
}

/// Runs `tavle admin login-provider …`.
async fn login_provider(config: Option<&std::path::Path>, cmd: LoginProviderCommand) -> anyhow::Result<()> {
    let common = match &cmd {
        LoginProviderCommand::Add { common, .. }
        | LoginProviderCommand::List { common, .. }
        | LoginProviderCommand::Check { common, .. }
        | LoginProviderCommand::Remove { common, .. } => Common {
            listen: common.listen.clone(),
            data_dir: common.data_dir.clone(),
            database_url: common.database_url.clone(),
        },
    };
    let cfg = Config::load(config, common.overrides())?;
    init_logging(&cfg);
    let base = cfg.public_url.clone().unwrap_or_else(|| format!("http://{}", cfg.listen));
    let app = server::open_app(&cfg, Arc::new(SystemClock)).await?;
    let fed = app.federation();
    let result = match cmd {
        LoginProviderCommand::Add {
            tenant_code,
            preset,
            slug,
            display_name,
            issuer,
            client_id,
            client_secret_file,
            scopes,
            claim,
            namespace,
            ..
        } => {
            let input = tavle_app::federation::providers::ProviderInput {
                slug: Some(slug),
                display_name: Some(display_name),
                preset: Some(preset),
                issuer: Some(issuer),
                client_id: Some(client_id),
                scopes,
                claim,
                namespace,
                ..Default::default()
            };
            let file = client_secret_file.map(|f| f.display().to_string());
            fed.operator_add(&tenant_code, &input, file, &base).await.map(|p| print_provider(&p))
        }
        LoginProviderCommand::List { tenant_code, .. } => {
            fed.operator_list(&tenant_code, &base).await.map(|list| list.iter().for_each(print_provider))
        }
        LoginProviderCommand::Check { tenant_code, slug, .. } => {
            fed.operator_check(&tenant_code, &slug, &base).await.map(|p| print_provider(&p))
        }
        LoginProviderCommand::Remove { tenant_code, slug, .. } => fed
            .operator_remove(&tenant_code, &slug)
            .await
            .map(|n| println!("Removed {slug} from municipality {tenant_code}; {n} session(s) ended.")),
    };
    app.store().close().await;
    result.map_err(|e| anyhow::anyhow!("{e}"))
}

fn init_logging(cfg: &Config) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("TAVLE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    if cfg.log_format == "json" {
        builder.json().init();
    } else {
        builder.init();
    }
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(s) => s,
            Err(_) => {
                let _ = ctrl_c.await;
                return;
            }
        };
        tokio::select! { _ = ctrl_c => {}, _ = term.recv() => {} }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}

async fn run_server(mut cfg: Config, demo: bool) -> anyhow::Result<()> {
    // The demo's people have no app passwords yet; let them try WebDAV with their password.
    cfg.dav_accepts_login_password |= demo;
    let app = server::open_app(&cfg, Arc::new(SystemClock)).await?;
    let summary =
        if demo { Some(app.seed_demo().await.map_err(|e| anyhow::anyhow!("seeding the demo: {e}"))?) } else { None };
    let mut running = server::start(&cfg, app).await?;
    let addr = running.addr;
    tracing::info!(%addr, "Tavle is listening");
    if let Some(s) = summary {
        let host = if addr.ip().is_unspecified() { "localhost".to_string() } else { addr.ip().to_string() };
        println!();
        println!("Tavle demo is running at http://{host}:{}/", addr.port());
        println!("{}", if s.created { "A demo municipality was created." } else { "Using the existing demo data." });
        println!("Log in with password \"{}\" as:", tavle_app::demo::DEMO_PASSWORD);
        for (user, role) in &s.logins {
            println!("  {user:<20} {role}");
        }
        println!("Data directory: {}", cfg.data_dir.display());
        println!("Press Ctrl+C to stop.");
    }
    let stop = running.shutdown_handle();
    tokio::spawn(async move {
        shutdown_signal().await;
        tracing::info!("shutting down");
        if let Some(tx) = stop {
            let _ = tx.send(());
        }
    });
    running.wait().await
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve(c) => {
            let cfg = Config::load(cli.config.as_deref(), c.overrides())?;
            init_logging(&cfg);
            run_server(cfg, false).await
        }
        Command::Demo(c) => {
            let mut o = c.overrides();
            o.data_dir.get_or_insert_with(|| PathBuf::from("tavle-demo"));
            let cfg = Config::load(cli.config.as_deref(), o)?;
            init_logging(&cfg);
            run_server(cfg, true).await
        }
        Command::Migrate(c) => {
            let cfg = Config::load(cli.config.as_deref(), c.overrides())?;
            init_logging(&cfg);
            let app = server::open_app(&cfg, Arc::new(SystemClock)).await?;
            app.store().close().await;
            println!("The database schema is up to date.");
            Ok(())
        }
        Command::Check(c) => {
            let cfg = Config::load(cli.config.as_deref(), c.overrides())?;
            init_logging(&cfg);
            let app = server::open_app(&cfg, Arc::new(SystemClock)).await?;
            let clean = tavle::check::run(&app).await;
            app.store().close().await;
            if !clean? {
                std::process::exit(1);
            }
            Ok(())
        }
        Command::Receipt(ReceiptCommand::Verify { file, public_key }) => {
            match tavle::receipt::verify_file(&file, public_key.as_deref()) {
                Ok(r) => {
                    print!("{}", tavle::receipt::describe(&r, public_key.is_some()));
                    if public_key.is_none() {
                        eprintln!(
                            "note: without --public-key this shows only that the receipt is whole and signed by key {}; \
                             compare it with the key at <your Tavle>/api/v1/receipt-key",
                            r.receipt.key_id
                        );
                    }
                    Ok(())
                }
                Err(e) => {
                    eprintln!("invalid: {e}");
                    std::process::exit(1);
                }
            }
        }
        Command::Import(ImportCommand::Roster {
            common,
            file,
            tenant,
            tenant_name,
            dry_run,
            confirm_leaving,
            verbose,
        }) => {
            let cfg = Config::load(cli.config.as_deref(), common.overrides())?;
            init_logging(&cfg);
            let app = server::open_app(&cfg, Arc::new(SystemClock)).await?;
            let opts = tavle_app::import::ImportOptions { dry_run, confirm_leaving };
            let result = tavle::import::run(&app, &file, &tenant, tenant_name.as_deref(), opts, verbose).await;
            app.store().close().await;
            result
        }
        Command::Admin(AdminCommand::Create { common, tenant_code, tenant_name, username, display_name }) => {
            let cfg = Config::load(cli.config.as_deref(), common.overrides())?;
            init_logging(&cfg);
            let password = match std::env::var("TAVLE_ADMIN_PASSWORD") {
                Ok(p) => p,
                Err(_) => {
                    eprintln!("Password for {username} (one line):");
                    let mut line = String::new();
                    std::io::stdin().read_line(&mut line).context("reading the password")?;
                    line.trim_end_matches(['\r', '\n']).to_string()
                }
            };
            let app = server::open_app(&cfg, Arc::new(SystemClock)).await?;
            let created = app
                .org()
                .create_first_admin(&tenant_code, tenant_name.as_deref(), &username, &display_name, &password)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            app.store().close().await;
            println!(
                "Municipality admin {username} created in tenant {tenant_code}{}.",
                if created { " (new tenant)" } else { "" }
            );
            Ok(())
        }
        Command::Admin(AdminCommand::LoginProvider(cmd)) => login_provider(cli.config.as_deref(), cmd).await,
        Command::Admin(AdminCommand::Office { common, tenant_code, discovery_url, remove }) => {
            let cfg = Config::load(cli.config.as_deref(), common.overrides())?;
            init_logging(&cfg);
            let app = server::open_app(&cfg, Arc::new(SystemClock)).await?;
            let url = if remove { None } else { discovery_url.as_deref() };
            let result = app.office().configure_for_operator(&tenant_code, url).await;
            app.store().close().await;
            match result.map_err(|e| anyhow::anyhow!("{e}"))? {
                Some(s) => println!(
                    "Municipality {tenant_code} opens {} in the office server at {}.",
                    s.extensions.join(", "),
                    s.discovery_url
                ),
                None => println!("Municipality {tenant_code} has no office server now."),
            }
            Ok(())
        }
    }
}
