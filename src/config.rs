//! Settings: built-in defaults, then the config file (XDG config dir or `--config`),
//! then `TEND_*` environment variables (`TEND_STORE__PATH` sets `store.path`).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub use tend_app::saved::{SavedView, ViewList, write_views};

/// Every setting; `config.example.toml` documents each one.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    pub store: StoreSettings,
    pub user: UserSettings,
    pub log: LogSettings,
    pub health: HealthSettings,
    pub alerts: AlertSettings,
    pub ui: UiSettings,
    pub remote: RemoteSettings,
    pub server: ServerSettings,
    pub import: ImportSettings,
    pub summary: SummarySettings,
    pub ai: AiConfig,
    pub email: EmailSettings,
    pub smtp: SmtpConfig,
    pub outbox: OutboxSettings,
    pub notify: NotifyConfig,
    /// Product usage: which module each feature belongs to (`[usage.modules]`).
    pub usage: UsageSettings,
    /// The charts of the Usage tab's Metrics view (`[[metrics]]`).
    pub metrics: Vec<MetricSettings>,
    /// Saved views: named filters with sort and grouping, shown as tabs in the app.
    pub views: Vec<SavedView>,
    /// The organisation's own account fields (`[[custom_fields]]`).
    pub custom_fields: Vec<crate::domain::CustomField>,
    /// Churn reasons (`[churn] reasons`).
    pub churn: ChurnSettings,
    /// The goals profiles an account is put in (`[[goals]]`).
    pub goals: Vec<crate::domain::GoalsProfile>,
    /// The account Overview's blocks (`[overview] blocks`).
    pub overview: OverviewSettings,
    /// The portfolio's columns (`[portfolio] columns`).
    pub portfolio: PortfolioSettings,
    /// Custom fields, churn reasons and goals profiles given from elsewhere than
    /// this file (a team server's, the demo's), in place of `custom_fields`,
    /// `churn` and `goals`.
    #[serde(skip)]
    pub given_rules: Option<crate::domain::AccountRules>,
    /// The file these settings were read from (or would be: the default one), where
    /// the app writes saved views back.
    #[serde(skip)]
    pub file: Option<PathBuf>,
}

/// Checks every saved view, and that their names differ.
pub fn check_views(views: &[SavedView]) -> Result<(), ConfigError> {
    for (i, v) in views.iter().enumerate() {
        v.check()
            .map_err(|e| ConfigError::Bad(format!("[[views]] #{} \"{}\": {e}", i + 1, v.name)))?;
        if views[..i].iter().any(|w| w.name == v.name) {
            return Err(ConfigError::Bad(format!(
                "[[views]] #{}: the name \"{}\" is used twice",
                i + 1,
                v.name
            )));
        }
    }
    Ok(())
}

/// The account Overview's layout.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OverviewSettings {
    /// Which blocks show, in which order; empty: all of them.
    pub blocks: Vec<String>,
}

/// The portfolio's table.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PortfolioSettings {
    /// The columns after the health score, in order (the trend arrow beside the
    /// score); none: the default set. The app writes it back when the column
    /// chooser applies a set outside a saved view.
    pub columns: Option<Vec<String>>,
    /// The filter-language expression the portfolio opens with (`"@followed"`:
    /// the accounts you own or are on the team of); none: every account. Over
    /// SSH, a csm's session opens on `@followed` unless this says otherwise
    /// (`""`: every account).
    pub filter: Option<String>,
}

impl PortfolioSettings {
    /// The expression the portfolio opens with, checked; an empty one is none.
    pub fn filter(&self) -> Result<Option<String>, ConfigError> {
        let Some(text) = self
            .filter
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
        else {
            return Ok(None);
        };
        crate::filter::Filter::parse_accounts(text)
            .map_err(|e| ConfigError::Bad(format!("portfolio.filter: {e}")))?;
        Ok(Some(text.to_string()))
    }

    /// The column set these settings name, each name checked.
    pub fn columns(
        &self,
    ) -> Result<Vec<crate::tui::screens::portfolio::columns::Column>, ConfigError> {
        use crate::tui::screens::portfolio::columns::{Column, parse_list};
        match &self.columns {
            None => Ok(Column::DEFAULT.to_vec()),
            Some(names) => {
                parse_list(names).map_err(|e| ConfigError::Bad(format!("portfolio.columns: {e}")))
            }
        }
    }
}

/// The churn reasons the account's churn fields pick from.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ChurnSettings {
    /// "category > reason > detail" paths (one to three levels); empty: free text.
    pub reasons: Vec<String>,
}

/// A team server to use instead of the local store.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RemoteSettings {
    /// The server's URL (`http://host:7070`); empty means the local store. `--remote` overrides it.
    pub url: Option<String>,
    /// A file holding the token, mode 0600 (for machines without a keyring).
    pub token_file: Option<PathBuf>,
    /// Seconds a request may take (a whole import or export gets ten times this).
    pub timeout_secs: u64,
}

impl Default for RemoteSettings {
    fn default() -> Self {
        RemoteSettings {
            url: None,
            token_file: None,
            timeout_secs: 15,
        }
    }
}

/// `tend serve`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerSettings {
    /// Address and port to listen on; loopback unless you mean to share it.
    pub listen: String,
    /// Largest request body in KiB (an import: `import_limit_mb`).
    pub body_limit_kb: usize,
    /// Largest import body in MiB.
    pub import_limit_mb: usize,
    /// Seconds a request may take before it is answered 503.
    pub timeout_secs: u64,
    /// Requests per second per token (or per address without one).
    pub rate_per_second: u32,
    /// Requests allowed at once above that rate.
    pub rate_burst: u32,
    /// Seconds a client has to send a request's head before it is disconnected.
    pub header_timeout_secs: u64,
    /// Connections open at once; one more is answered 503.
    pub max_connections: usize,
    /// Seconds between two rounds of the scheduler (due playbook steps,
    /// notifications, the outbox); 0: never by itself.
    pub tick_secs: u64,
    /// Address and port of the app over SSH (`tend serve --ssh`); none: no SSH.
    pub ssh_listen: Option<String>,
    /// SSH sessions open at once, all users together.
    pub ssh_max_sessions: usize,
    /// SSH sessions open at once per user.
    pub ssh_max_sessions_per_user: usize,
    /// Minutes without input after which an SSH session is ended (a fraction
    /// is taken: 0.5 is 30 seconds).
    pub ssh_idle_minutes: f64,
    /// The PostgreSQL database the server keeps its store in
    /// (`postgres://USER@HOST:PORT/DB`, the password in PGPASSWORD); none: the
    /// store file.
    pub store: Option<String>,
    /// Connections each server keeps to that database.
    pub store_connections: usize,
}

impl Default for ServerSettings {
    fn default() -> Self {
        let limits = crate::server::Limits::default();
        let ssh = crate::server::ssh::SshOptions::default();
        ServerSettings {
            listen: "127.0.0.1:7070".into(),
            body_limit_kb: limits.body >> 10,
            import_limit_mb: limits.import_body >> 20,
            timeout_secs: limits.timeout.as_secs(),
            rate_per_second: limits.per_second,
            rate_burst: limits.burst,
            header_timeout_secs: limits.header_timeout.as_secs(),
            max_connections: limits.max_connections,
            tick_secs: limits.tick_every.as_secs(),
            ssh_listen: None,
            ssh_max_sessions: ssh.max_sessions,
            ssh_max_sessions_per_user: ssh.max_per_user,
            ssh_idle_minutes: ssh.idle.as_secs_f64() / 60.0,
            store: None,
            store_connections: 8,
        }
    }
}

impl ServerSettings {
    /// The server's limits these settings ask for.
    pub fn limits(&self) -> crate::server::Limits {
        crate::server::Limits {
            body: self.body_limit_kb.max(1) << 10,
            import_body: self.import_limit_mb.max(1) << 20,
            timeout: std::time::Duration::from_secs(self.timeout_secs.max(1)),
            per_second: self.rate_per_second.max(1),
            burst: self.rate_burst.max(1),
            header_timeout: std::time::Duration::from_secs(self.header_timeout_secs.max(1)),
            max_connections: self.max_connections.max(1),
            tick_every: std::time::Duration::from_secs(self.tick_secs),
            ..crate::server::Limits::default()
        }
    }

    /// The SSH sessions' limits these settings ask for.
    pub fn ssh_options(&self) -> Result<crate::server::ssh::SshOptions, ConfigError> {
        // At least a second, at most a year.
        let idle = self.ssh_idle_minutes * 60.0;
        if !(1.0..=31_536_000.0).contains(&idle) {
            return Err(ConfigError::Bad(format!(
                "server.ssh_idle_minutes: {} is not a time a session may idle (a second to a year, in minutes: 30, 0.5)",
                self.ssh_idle_minutes
            )));
        }
        Ok(crate::server::ssh::SshOptions {
            max_sessions: self.ssh_max_sessions.max(1),
            max_per_user: self.ssh_max_sessions_per_user.max(1),
            idle: std::time::Duration::from_secs_f64(idle),
            ..crate::server::ssh::SshOptions::default()
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct UiSettings {
    /// dark, light or 16 (the 16 ANSI colours). NO_COLOR in the environment wins.
    pub theme: String,
    /// Draw charts with ASCII characters only.
    pub ascii_charts: bool,
    /// Mouse: click a tab, scroll a list.
    pub mouse: bool,
    /// Key overrides: `[ui.keys.SCREEN] ACTION = ["KEY", ...]`; `[]` unbinds.
    pub keys: std::collections::BTreeMap<String, std::collections::BTreeMap<String, Vec<String>>>,
}

impl Default for UiSettings {
    fn default() -> Self {
        UiSettings {
            theme: "dark".into(),
            ascii_charts: false,
            mouse: true,
            keys: Default::default(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HealthSettings {
    /// A TOML file of health profiles, added to the bundled ones (same name: replaced).
    pub profiles: Option<PathBuf>,
    /// Status changes that raise an alert ("from->to", `*` for any); default: every
    /// change for the worse.
    pub alert_transitions: Option<Vec<String>>,
    /// `false` switches health off: no score is computed or shown (default: on).
    pub enabled: Option<bool>,
}

/// The alert rules beyond health transitions; 0 (or false) turns a rule off.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AlertSettings {
    /// Alert when connections over the last 30 days fell by more than this % against
    /// the 30 days before.
    pub usage_drop_percent: u32,
    /// ...only when the 30 days before had at least this many connections.
    pub usage_drop_min_connections: u32,
    /// Alert when the renewal notice date is within this many days while the
    /// account is at risk.
    pub renewal_at_risk_days: u32,
    /// Alert when a support case becomes escalated.
    pub escalation: bool,
    /// A health transition alerts only when the score fell at least this many
    /// points (0: any fall).
    pub transition_min_fall: u32,
}

impl Default for AlertSettings {
    fn default() -> Self {
        let rules = crate::health::AlertRules::default();
        AlertSettings {
            usage_drop_percent: rules.usage_drop_percent,
            usage_drop_min_connections: rules.usage_drop_min_connections,
            renewal_at_risk_days: rules.renewal_at_risk_days,
            escalation: rules.escalation,
            transition_min_fall: rules.transition_min_fall,
        }
    }
}

/// `[[metrics]]`: a chart of the Usage tab's Metrics view.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricSettings {
    pub name: String,
    /// One to four metrics: usage.connections, usage.minutes, usage.users,
    /// cases.opened, cases.resolved, interactions, sentiment, nps, mrr, health,
    /// health.COMPONENT.
    pub series: Vec<String>,
    /// "week" or "month".
    #[serde(default = "month")]
    pub period: String,
    /// How many periods, 2 to 24.
    #[serde(default = "twelve")]
    pub span: u32,
}

fn month() -> String {
    "month".into()
}

fn twelve() -> u32 {
    12
}

/// Every `[[metrics]]` chart, refused with the chart and the field at fault.
pub fn metric_charts(
    metrics: &[MetricSettings],
) -> Result<Vec<crate::tui::screens::account::charts::MetricChart>, ConfigError> {
    metrics
        .iter()
        .enumerate()
        .map(|(i, m)| {
            crate::tui::screens::account::charts::MetricChart::parse(
                &m.name, &m.series, &m.period, m.span,
            )
            .map_err(|e| ConfigError::Bad(format!("[[metrics]] #{} \"{}\": {e}", i + 1, m.name)))
        })
        .collect()
}

/// `[usage]`: the modules of the product's features.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct UsageSettings {
    /// Module name -> the features in it (`analytics = ["dashboards", "reports"]`).
    /// Empty: the built-in modules of the demo's features. A feature no module
    /// names is in the module its name's prefix says (`billing.invoices` is in
    /// `billing`), else a module of its own.
    pub modules: std::collections::BTreeMap<String, Vec<String>>,
}

impl UsageSettings {
    /// Feature -> module.
    pub fn module_map(&self) -> crate::backend::ModuleMap {
        if self.modules.is_empty() {
            return crate::backend::default_modules();
        }
        self.modules
            .iter()
            .flat_map(|(m, fs)| fs.iter().map(move |f| (f.clone(), m.clone())))
            .collect()
    }
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StoreSettings {
    /// The SQLite file; empty means `<XDG data dir>/tend/tend.db`.
    pub path: Option<PathBuf>,
    /// Refuse every write: the write commands exit with "read-only: ...", the app
    /// offers no write action. `--read-only` sets it for one run.
    pub read_only: bool,
}

/// `tend import --from FORMAT`: what the readers of mail and calendars need.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ImportSettings {
    /// The team's own email domains: mail from an address there is outgoing, and
    /// attendees there are not customers (`--team-domain` adds to them).
    pub team_domains: Vec<String>,
}

/// The account summary.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SummarySettings {
    /// Which sections show, in which order, for a store that keeps no setting of
    /// its own (`tend summary-sections` keeps one in the store; over a team server
    /// only admins change it). Empty: all ten in the document's order.
    pub sections: Vec<String>,
}

impl SummarySettings {
    /// The sections as the summary engine takes them (an unknown key names itself).
    pub fn settings(&self) -> Result<crate::backend::summary::Settings, ConfigError> {
        if self.sections.is_empty() {
            return Ok(Default::default());
        }
        let sections = self
            .sections
            .iter()
            .map(|k| k.parse())
            .collect::<Result<Vec<_>, String>>()
            .map_err(|e| ConfigError::Bad(format!("[summary] sections: {e}")))?;
        let settings = crate::backend::summary::Settings { sections };
        settings
            .check()
            .map_err(|e| ConfigError::Bad(format!("[summary] sections: {e}")))?;
        Ok(settings)
    }
}

/// An OpenAI-compatible chat-completions endpoint (Ollama, llama.cpp server,
/// vLLM) that may reword summaries and answer copilot questions. Never needed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AiConfig {
    /// The API's base URL, e.g. `http://127.0.0.1:11434/v1`; empty: no model.
    pub endpoint: String,
    /// The model's name as the server knows it, e.g. `llama3.2`.
    pub model: String,
    /// Seconds a whole answer may take.
    pub timeout_secs: u64,
    /// Seconds the server may stay silent once its answer has begun.
    pub idle_secs: u64,
    /// A file (mode 0600) holding the API key; TEND_AI_KEY and the keyring
    /// (`tend login --ai ENDPOINT`) are the others. Local servers need none.
    pub key_file: Option<PathBuf>,
}

impl Default for AiConfig {
    fn default() -> Self {
        let d = crate::backend::ai::AiSettings::default();
        AiConfig {
            endpoint: d.endpoint,
            model: d.model,
            timeout_secs: d.timeout_secs,
            idle_secs: d.idle_secs,
            key_file: None,
        }
    }
}

impl AiConfig {
    /// Whether an endpoint is set.
    pub fn configured(&self) -> bool {
        !self.endpoint.trim().is_empty()
    }

    /// The client, its key read from TEND_AI_KEY, the key file or the keyring;
    /// None when no endpoint is set.
    pub fn client(&self) -> Result<Option<crate::backend::ai::AiClient>, ConfigError> {
        if !self.configured() {
            return Ok(None);
        }
        let key = crate::credentials::load_ai_key(&self.endpoint, self.key_file.as_deref())
            .map_err(|e| ConfigError::Bad(format!("[ai] key: {e}")))?;
        let settings = crate::backend::ai::AiSettings {
            endpoint: self.endpoint.clone(),
            model: self.model.clone(),
            timeout_secs: self.timeout_secs,
            idle_secs: self.idle_secs,
        };
        crate::backend::ai::AiClient::new(settings, key.map(|k| k.expose().to_string()))
            .map(Some)
            .map_err(|e| ConfigError::Bad(format!("[ai] {e}")))
    }
}

/// The sender of emails (playbooks, the app, notifications).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EmailSettings {
    /// "Maya Lin <maya@example.com>": the From of every email.
    pub from: String,
    /// Appended below "-- " to every email to a customer.
    pub signature: String,
    /// Incoming emails unanswered for this many days show in My work (default 3).
    pub unanswered_days: u32,
}

/// The SMTP server emails go through; none: they wait in the outbox.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SmtpConfig {
    pub host: String,
    /// Default: 587 with STARTTLS, 465 with TLS, 25 with none.
    pub port: u16,
    /// "starttls" (default), "tls", or "none" (loopback test servers only).
    pub security: crate::backend::outbound::smtp::Security,
    pub username: String,
    /// A file (mode 0600) with the password; TEND_SMTP_PASSWORD and the keyring
    /// (`tend login --smtp HOST`) are the others.
    pub password_file: Option<PathBuf>,
    /// A CA certificate (PEM) to trust besides the system's.
    pub ca_file: Option<PathBuf>,
    pub timeout_secs: u64,
}

/// How hard the outbox tries.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OutboxSettings {
    /// Attempts before a delivery gives up (default 8).
    pub max_attempts: u32,
    /// Seconds before the first retry, doubled each time up to an hour (default 30).
    pub backoff_secs: u64,
}

/// Notification channels and the rules that send to them.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NotifyConfig {
    pub channels: Vec<ChannelConfig>,
    pub rules: Vec<RuleConfig>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ChannelConfig {
    pub name: String,
    /// "slack" (a Slack-compatible incoming webhook), "webhook" (JSON signed with
    /// HMAC-SHA256) or "email".
    pub kind: String,
    /// The webhook's URL.
    pub url: String,
    /// The HMAC key of a "webhook" channel: a file (mode 0600), or an environment
    /// variable named here.
    pub secret_file: Option<PathBuf>,
    pub secret_env: Option<String>,
    /// The addresses of an "email" channel.
    pub to: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RuleConfig {
    /// "health_transition", "alert", "run_red" or "renewal".
    pub on: String,
    /// health_transition: the statuses before and after (empty: any):
    /// healthy, concerning, at_risk.
    pub from: Vec<String>,
    pub to: Vec<String>,
    /// alert: the alert rule ("usage_drop", "escalation", "renewal_at_risk"...; "*": any).
    pub rule: String,
    /// renewal: notice dates within this many days.
    pub within_days: u32,
    /// The channel names it sends to.
    pub channels: Vec<String>,
}

impl Settings {
    /// Where emails and notifications go, checked: each rule's trigger and
    /// channels, each channel's kind and address; secrets read.
    pub fn outbound(&self) -> Result<crate::backend::outbound::Settings, ConfigError> {
        use crate::backend::outbound::{
            Channel, ChannelKind, NotifySettings, Rule, Settings as Out, Trigger,
            smtp::{Security, SmtpSettings},
            webhook::{Format, Webhook},
        };
        let bad = |m: String| ConfigError::Bad(m);
        let smtp = if self.smtp.host.trim().is_empty() {
            None
        } else {
            let c = &self.smtp;
            let password = if c.username.is_empty() {
                None
            } else {
                crate::credentials::load_smtp_password(&c.host, c.password_file.as_deref())
                    .map_err(|e| bad(format!("[smtp] password: {e}")))?
                    .map(|t| t.expose().to_string())
            };
            Some(SmtpSettings {
                host: c.host.trim().to_string(),
                port: match (c.port, c.security) {
                    (0, Security::Starttls) => 587,
                    (0, Security::Tls) => 465,
                    (0, Security::None) => 25,
                    (p, _) => p,
                },
                security: c.security,
                username: (!c.username.is_empty()).then(|| c.username.clone()),
                password,
                ca_file: c.ca_file.clone(),
                timeout_secs: c.timeout_secs,
            })
        };
        let mut channels = vec![];
        for (i, c) in self.notify.channels.iter().enumerate() {
            let at = format!("[[notify.channels]] #{} \"{}\"", i + 1, c.name);
            if c.name.trim().is_empty() {
                return Err(bad(format!("{at}: a channel needs a name")));
            }
            if channels.iter().any(|x: &Channel| x.name == c.name) {
                return Err(bad(format!("{at}: the name is used twice")));
            }
            let kind = match c.kind.as_str() {
                "slack" | "webhook" => {
                    if !(c.url.starts_with("http://") || c.url.starts_with("https://")) {
                        return Err(bad(format!("{at}: url must be an http(s) URL")));
                    }
                    let secret = match (&c.secret_file, &c.secret_env) {
                        (Some(f), _) => Some(
                            std::fs::read_to_string(f)
                                .map_err(|e| {
                                    bad(format!("{at}: secret_file {}: {e}", f.display()))
                                })?
                                .trim()
                                .to_string(),
                        ),
                        (None, Some(var)) => Some(std::env::var(var).map_err(|_| {
                            bad(format!("{at}: the environment variable {var} is not set"))
                        })?),
                        (None, None) => None,
                    };
                    if c.kind == "webhook" && secret.is_none() {
                        return Err(bad(format!(
                            "{at}: a \"webhook\" channel signs its body: set secret_file or secret_env"
                        )));
                    }
                    ChannelKind::Webhook(Webhook {
                        url: c.url.clone(),
                        format: if c.kind == "slack" {
                            Format::Slack
                        } else {
                            Format::Json
                        },
                        secret,
                        timeout_secs: 10,
                    })
                }
                "email" => {
                    if c.to.is_empty() {
                        return Err(bad(format!(
                            "{at}: an \"email\" channel needs to = [addresses]"
                        )));
                    }
                    ChannelKind::Email { to: c.to.clone() }
                }
                other => {
                    return Err(bad(format!(
                        "{at}: unknown kind \"{other}\" (expected slack, webhook or email)"
                    )));
                }
            };
            channels.push(Channel {
                name: c.name.clone(),
                kind,
            });
        }
        let mut rules = vec![];
        for (i, r) in self.notify.rules.iter().enumerate() {
            let at = format!("[[notify.rules]] #{}", i + 1);
            let statuses = |list: &[String], key: &str| {
                list.iter()
                    .map(|s| {
                        s.parse::<crate::domain::HealthStatus>()
                            .map_err(|e| bad(format!("{at}: {key}: {e}")))
                    })
                    .collect::<Result<Vec<_>, _>>()
            };
            let on = match r.on.as_str() {
                "health_transition" => Trigger::HealthTransition {
                    from: statuses(&r.from, "from")?,
                    to: statuses(&r.to, "to")?,
                },
                "alert" => Trigger::Alert {
                    rule: if r.rule.is_empty() {
                        "*".into()
                    } else {
                        r.rule.clone()
                    },
                },
                "run_red" => Trigger::RunRed,
                "renewal" => {
                    if r.within_days == 0 {
                        return Err(bad(format!("{at}: a renewal rule needs within_days")));
                    }
                    Trigger::Renewal {
                        within_days: r.within_days,
                    }
                }
                other => {
                    return Err(bad(format!(
                        "{at}: unknown on = \"{other}\" (expected health_transition, alert, run_red or renewal)"
                    )));
                }
            };
            if r.channels.is_empty() {
                return Err(bad(format!("{at}: a rule needs channels = [names]")));
            }
            for name in &r.channels {
                if !channels.iter().any(|c| &c.name == name) {
                    return Err(bad(format!("{at}: no channel is named \"{name}\"")));
                }
            }
            rules.push(Rule {
                on,
                channels: r.channels.clone(),
            });
        }
        let has_email_channel = channels
            .iter()
            .any(|c| matches!(c.kind, ChannelKind::Email { .. }));
        if has_email_channel && self.email.from.trim().is_empty() {
            return Err(bad("[notify] an email channel needs [email] from".into()));
        }
        Ok(Out {
            smtp,
            from: self.email.from.clone(),
            signature: self.email.signature.clone(),
            max_attempts: self.outbox.max_attempts,
            backoff_secs: self.outbox.backoff_secs,
            unanswered_days: self.email.unanswered_days,
            notify: NotifySettings { rules, channels },
        })
    }
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct UserSettings {
    /// Your user name: the change log records it and `@me` means it. Defaults to $USER.
    pub name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogSettings {
    /// trace, debug, info, warn or error.
    pub level: String,
    /// The log file; empty means `<XDG state dir>/tend/tend.log`.
    pub file: Option<PathBuf>,
}

impl Default for LogSettings {
    fn default() -> Self {
        LogSettings {
            level: "info".into(),
            file: None,
        }
    }
}

/// A settings problem, with where it came from.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("config file {path} not found")]
    Missing { path: PathBuf },
    #[error("bad configuration: {0}")]
    Bad(String),
}

pub(crate) fn dirs() -> Option<directories::ProjectDirs> {
    directories::ProjectDirs::from("", "", "tend")
}

/// `<XDG config dir>/tend/config.toml`.
pub fn default_config_file() -> Option<PathBuf> {
    dirs().map(|d| d.config_dir().join("config.toml"))
}

/// `<XDG data dir>/tend/tend.db`.
pub fn default_store_path() -> PathBuf {
    dirs()
        .map(|d| d.data_dir().join("tend.db"))
        .unwrap_or_else(|| PathBuf::from("tend.db"))
}

/// `<XDG state dir>/tend/tend.log`.
pub fn default_log_file() -> PathBuf {
    dirs()
        .and_then(|d| d.state_dir().map(|s| s.join("tend.log")))
        .unwrap_or_else(|| std::env::temp_dir().join("tend.log"))
}

impl Settings {
    /// Loads the settings. An explicit `--config` file must exist; the default one may not.
    pub fn load(explicit: Option<&Path>) -> Result<Settings, ConfigError> {
        Settings::load_with_env(explicit, std::env::vars())
    }

    /// Loads with a given environment (tests pass their own).
    pub fn load_with_env(
        explicit: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Settings, ConfigError> {
        let mut builder = config::Config::builder();
        match explicit {
            Some(path) => {
                if !path.exists() {
                    return Err(ConfigError::Missing {
                        path: path.to_path_buf(),
                    });
                }
                builder = builder.add_source(
                    config::File::from(path.to_path_buf()).format(config::FileFormat::Toml),
                );
            }
            None => {
                if let Some(path) = default_config_file() {
                    builder = builder.add_source(
                        config::File::from(path)
                            .format(config::FileFormat::Toml)
                            .required(false),
                    );
                }
            }
        }
        let env: std::collections::HashMap<String, String> = env
            .into_iter()
            .filter(|(k, _)| k.starts_with("TEND_") && k.contains("__"))
            .collect();
        builder = builder.add_source(
            config::Environment::with_prefix("TEND")
                .prefix_separator("_")
                .separator("__")
                .source(Some(env)),
        );
        let cfg = builder
            .build()
            .map_err(|e| ConfigError::Bad(e.to_string()))?;
        let mut settings: Settings = cfg
            .try_deserialize()
            .map_err(|e| ConfigError::Bad(e.to_string()))?;
        settings.file = explicit.map(Path::to_path_buf).or_else(default_config_file);
        Ok(settings)
    }

    /// The store file to use: `--db`, then the config, then the default.
    pub fn store_path(&self, db: Option<&Path>) -> PathBuf {
        db.map(Path::to_path_buf)
            .or_else(|| self.store.path.clone())
            .unwrap_or_else(default_store_path)
    }

    /// The health profiles and alert rules these settings ask for.
    pub fn health_setup(&self) -> Result<crate::health::HealthSetup, ConfigError> {
        let transitions: Vec<String> = match &self.health.alert_transitions {
            Some(t) => t.clone(),
            None => crate::health::DEFAULT_TRANSITIONS
                .map(String::from)
                .to_vec(),
        };
        let alerts = crate::health::AlertRules {
            usage_drop_percent: self.alerts.usage_drop_percent,
            usage_drop_min_connections: self.alerts.usage_drop_min_connections,
            renewal_at_risk_days: self.alerts.renewal_at_risk_days,
            escalation: self.alerts.escalation,
            transition_min_fall: self.alerts.transition_min_fall,
        };
        alerts
            .check()
            .map_err(|e| ConfigError::Bad(format!("[alerts] {e}")))?;
        let mut setup =
            crate::health::HealthSetup::load(self.health.profiles.as_deref(), &transitions, alerts)
                .map_err(|e| ConfigError::Bad(format!("[health] {e}")))?;
        setup.enabled = self.health.enabled != Some(false);
        Ok(setup)
    }

    /// The custom fields, churn reasons and goals profiles writes to accounts are
    /// held to; a demo store with none configured gets the demo's own.
    pub fn account_rules(&self, demo: bool) -> Result<crate::domain::AccountRules, ConfigError> {
        if let Some(given) = &self.given_rules {
            return Ok(given.clone());
        }
        crate::domain::AccountRules::check_definitions(&self.custom_fields)
            .map_err(|e| ConfigError::Bad(format!("[[custom_fields]] {e}")))?;
        let churn_reasons = crate::domain::ChurnReasonTree::from_paths(&self.churn.reasons)
            .map_err(|e| ConfigError::Bad(format!("[churn] reasons {e}")))?;
        crate::domain::AccountRules::check_goals_profiles(&self.goals)
            .map_err(|e| ConfigError::Bad(format!("[[goals]] {e}")))?;
        let rules = crate::domain::AccountRules {
            custom_fields: self.custom_fields.clone(),
            churn_reasons,
            goals_profiles: self.goals.clone(),
        };
        if demo && rules == crate::domain::AccountRules::default() {
            return Ok(crate::domain::AccountRules::demo());
        }
        Ok(rules)
    }

    /// The app's options these settings ask for (NO_COLOR comes from the environment).
    pub fn tui_options(&self) -> Result<crate::tui::Options, ConfigError> {
        let theme = self
            .ui
            .theme
            .parse()
            .map_err(|e| ConfigError::Bad(format!("[ui] theme: {e}")))?;
        let keys = crate::tui::keys::Keymap::with_overrides(&self.ui.keys)
            .map_err(|e| ConfigError::Bad(format!("[ui] {e}")))?;
        check_views(&self.views)?;
        Ok(crate::tui::Options {
            theme,
            ascii: self.ui.ascii_charts,
            mouse: self.ui.mouse,
            keys,
            read_only: self.store.read_only,
            user: self.user_name(),
            views: self.views.clone(),
            views_file: self.file.clone(),
            ai: self.ai.client()?.map(std::sync::Arc::new),
            signature: Some(self.email.signature.clone()).filter(|s| !s.trim().is_empty()),
            modules: self.usage.module_map(),
            metrics: metric_charts(&self.metrics)?,
            accounts: std::sync::Arc::new(self.account_rules(false)?),
            health_off: self.health.enabled == Some(false),
            overview: crate::tui::screens::account::blocks::OverviewBlock::parse_list(
                &self.overview.blocks,
            )
            .map_err(|e| ConfigError::Bad(format!("[overview] blocks: {e}")))?,
            columns: self.portfolio.columns()?,
            portfolio_filter: self.portfolio.filter()?,
            ..crate::tui::Options::default()
        })
    }

    /// Who the change log says made a change.
    pub fn user_name(&self) -> String {
        self.user
            .name
            .clone()
            .or_else(|| std::env::var("USER").ok())
            .unwrap_or_else(|| "tend".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    /// The settings of a config file of `text` (written to `file`), which loads.
    fn settings_from(file: &Path, text: &str) -> Settings {
        std::fs::write(file, text).unwrap();
        Settings::load_with_env(Some(file), env(&[])).unwrap()
    }

    /// Asserts `result` is an error naming each of `needles`.
    fn assert_refused<T: std::fmt::Debug>(result: Result<T, ConfigError>, needles: &[&str]) {
        let e = result.unwrap_err().to_string();
        for n in needles {
            assert!(e.contains(n), "{n} not in: {e}");
        }
    }

    #[test]
    fn file_then_environment() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("c.toml");
        std::fs::write(
            &file,
            "[store]\npath = \"/data/a.db\"\n[user]\nname = \"maya\"\n",
        )
        .unwrap();
        let s = Settings::load_with_env(Some(&file), env(&[])).unwrap();
        assert_eq!(s.store.path.as_deref(), Some(Path::new("/data/a.db")));
        assert_eq!(s.user_name(), "maya");
        let s =
            Settings::load_with_env(Some(&file), env(&[("TEND_STORE__PATH", "/x.db")])).unwrap();
        assert_eq!(s.store.path.as_deref(), Some(Path::new("/x.db")));
        assert_eq!(
            s.store_path(Some(Path::new("/cli.db"))),
            PathBuf::from("/cli.db")
        );
    }

    #[test]
    fn outbound_settings_are_checked_with_their_place() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("c.toml");
        let load = |text: &str| {
            std::fs::write(&file, text).unwrap();
            Settings::load_with_env(Some(&file), env(&[]))
                .unwrap()
                .outbound()
        };
        let good = load(
            r#"
[email]
from = "Maya Lin <maya@example.com>"
signature = "Maya"
[smtp]
host = "smtp.example.com"
security = "tls"
[[notify.channels]]
name = "cs"
kind = "slack"
url = "https://hooks.example.com/x"
[[notify.channels]]
name = "leads"
kind = "email"
to = ["lead@example.com"]
[[notify.rules]]
on = "health_transition"
from = ["healthy"]
to = ["at_risk", "concerning"]
channels = ["cs", "leads"]
[[notify.rules]]
on = "renewal"
within_days = 30
channels = ["cs"]
"#,
        )
        .unwrap();
        let smtp = good.smtp.as_ref().unwrap();
        assert_eq!((smtp.port, smtp.username.as_deref()), (465, None));
        assert_eq!(good.notify.channels.len(), 2);
        assert_eq!(
            good.notify.rules[0].on,
            crate::backend::outbound::Trigger::HealthTransition {
                from: vec![crate::domain::HealthStatus::Healthy],
                to: vec![
                    crate::domain::HealthStatus::AtRisk,
                    crate::domain::HealthStatus::Concerning
                ],
            }
        );
        for (text, expected) in [
            (
                "[[notify.channels]]\nname = \"x\"\nkind = \"pager\"\n",
                "[[notify.channels]] #1 \"x\": unknown kind \"pager\"",
            ),
            (
                "[[notify.channels]]\nname = \"x\"\nkind = \"webhook\"\nurl = \"https://h.example\"\n",
                "signs its body: set secret_file or secret_env",
            ),
            (
                "[[notify.channels]]\nname = \"x\"\nkind = \"slack\"\nurl = \"ftp://h\"\n",
                "url must be an http(s) URL",
            ),
            (
                "[[notify.rules]]\non = \"run_red\"\nchannels = [\"nope\"]\n",
                "[[notify.rules]] #1: no channel is named \"nope\"",
            ),
            (
                "[[notify.rules]]\non = \"health_transition\"\nto = [\"red\"]\nchannels = []\n",
                "[[notify.rules]] #1: to: unknown healthstatus 'red'",
            ),
            (
                "[[notify.rules]]\non = \"renewal\"\nchannels = []\n",
                "needs within_days",
            ),
            (
                "[[notify.channels]]\nname = \"t\"\nkind = \"email\"\nto = [\"a@b.example\"]\n",
                "an email channel needs [email] from",
            ),
        ] {
            let e = load(text).unwrap_err().to_string();
            assert!(e.contains(expected), "{text}: {e}");
        }
    }

    #[test]
    fn bad_files_are_refused_with_their_place() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("c.toml");
        std::fs::write(&file, "[store\npath = 1\n").unwrap();
        let e = Settings::load_with_env(Some(&file), env(&[]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("c.toml"), "{e}");
        std::fs::write(&file, "[stor]\npath = \"x\"\n").unwrap();
        let e = Settings::load_with_env(Some(&file), env(&[]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("stor"), "{e}");
        let missing = dir.path().join("nope.toml");
        let e = Settings::load_with_env(Some(&missing), env(&[]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("nope.toml"), "{e}");
    }

    #[test]
    fn the_example_file_loads_and_its_health_settings_too() {
        let example = concat!(env!("CARGO_MANIFEST_DIR"), "/config.example.toml");
        let s = Settings::load_with_env(Some(Path::new(example)), env(&[])).unwrap();
        assert_eq!(s.log.level, "info");
        s.health_setup().unwrap();
        // Every commented setting, uncommented, still loads.
        let text = std::fs::read_to_string(example).unwrap();
        let uncommented: String = text
            .lines()
            .map(|l| match l.strip_prefix("# ") {
                Some(rest)
                    if (rest.contains(" = ") || rest.starts_with('['))
                        && !rest.starts_with(' ') =>
                {
                    rest
                }
                _ => l,
            })
            .collect::<Vec<_>>()
            .join("\n");
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("c.toml");
        std::fs::write(&file, uncommented).unwrap();
        let s = Settings::load_with_env(Some(&file), env(&[])).unwrap();
        assert_eq!(
            s.health.alert_transitions.as_deref().map(<[String]>::len),
            Some(3)
        );
        assert!(s.health.profiles.is_some());
        assert!(s.store.read_only);
        assert_eq!(s.ui.keys["portfolio"]["sort"], vec!["o".to_string()]);
        assert!(s.tui_options().unwrap().read_only);
        assert_eq!(s.views.len(), 1);
        assert_eq!(s.views[0].group_by.as_deref(), Some("team"));
        assert_eq!(s.tui_options().unwrap().views, s.views);
    }

    #[test]
    fn bad_views_are_refused_by_place_and_field() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("c.toml");
        for (text, needles) in [
            (
                "[[views]]\nname = \"a\"\nfilter = \"health<5o\"\n",
                &["#1", "\"a\"", "filter", "5o"][..],
            ),
            (
                "[[views]]\nname = \"a\"\nfilter = \"priority:urgent\"\n",
                &["#1", "filter", "priority"],
            ),
            (
                "[[views]]\nname = \"a\"\nlist = \"cases\"\nsort = \"size\"\n",
                &["sort", "size"],
            ),
            (
                "[[views]]\nname = \"a\"\ngroup_by = \"team\"\n",
                &["group_by", "cases"],
            ),
            (
                "[[views]]\nname = \"a\"\nlist = \"cases\"\ngroup_by = \"mood\"\n",
                &["group_by", "mood"],
            ),
            ("[[views]]\nname = \" \"\n", &["#1", "name"]),
            (
                "[[views]]\nname = \"a\"\n[[views]]\nname = \"a\"\n",
                &["#2", "twice"],
            ),
        ] {
            assert_refused(settings_from(&file, text).tui_options(), needles);
        }
        std::fs::write(&file, "[[views]]\nname = \"a\"\nlist = \"tickets\"\n").unwrap();
        let e = Settings::load_with_env(Some(&file), env(&[]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("tickets"), "{e}");
    }

    #[test]
    fn metric_charts_are_read_and_bad_ones_refused_by_place_and_field() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("c.toml");
        std::fs::write(
            &file,
            "[[metrics]]\nname = \"Adoption\"\nseries = [\"usage.users\", \"health.usage\"]\nperiod = \"week\"\nspan = 8\n",
        )
        .unwrap();
        let s = Settings::load_with_env(Some(&file), env(&[])).unwrap();
        let charts = s.tui_options().unwrap().metrics;
        assert_eq!(charts.len(), 1);
        assert_eq!((charts[0].name.as_str(), charts[0].span), ("Adoption", 8));
        for (text, needles) in [
            (
                "[[metrics]]\nname = \"a\"\nseries = [\"mrr\", \"logins\"]\n",
                &["#1", "\"a\"", "series[1]", "logins", "usage.users"][..],
            ),
            (
                "[[metrics]]\nname = \"a\"\nseries = [\"mrr\"]\nperiod = \"day\"\n",
                &["period", "day"],
            ),
            (
                "[[metrics]]\nname = \"a\"\nseries = [\"mrr\"]\nspan = 100\n",
                &["span", "100"],
            ),
            ("[[metrics]]\nname = \"a\"\nseries = []\n", &["series"]),
        ] {
            assert_refused(settings_from(&file, text).tui_options(), needles);
        }
    }

    #[test]
    fn writing_views_keeps_the_rest_of_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("c.toml");
        std::fs::write(&file, "# mine\n[user]\nname = \"maya\" # me\n").unwrap();
        let view = SavedView {
            name: "mine".into(),
            list: ViewList::Accounts,
            filter: "owner:@me".into(),
            sort: Some("renewal".into()),
            descending: false,
            group_by: None,
            columns: Some(vec!["arr".into(), "owner".into()]),
        };
        write_views(&file, std::slice::from_ref(&view)).unwrap();
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(
            text.starts_with("# mine\n[user]\nname = \"maya\" # me\n"),
            "{text}"
        );
        let s = Settings::load_with_env(Some(&file), env(&[])).unwrap();
        assert_eq!(s.views, vec![view]);
        write_views(&file, &[]).unwrap();
        let s = Settings::load_with_env(Some(&file), env(&[])).unwrap();
        assert!(s.views.is_empty());
        assert_eq!(s.user_name(), "maya");
        // A file that is not TOML is not overwritten.
        std::fs::write(&file, "[user\n").unwrap();
        assert!(write_views(&file, &[]).unwrap_err().contains("c.toml"));
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "[user\n");
    }

    #[test]
    fn alert_rules_have_defaults_and_bad_ones_are_refused_by_key() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("c.toml");
        std::fs::write(&file, "").unwrap();
        let s = Settings::load_with_env(Some(&file), env(&[])).unwrap();
        assert_eq!(
            s.health_setup().unwrap().alerts,
            crate::health::AlertRules::default()
        );
        std::fs::write(
            &file,
            "[alerts]\nusage_drop_percent = 0\nescalation = false\n",
        )
        .unwrap();
        let s = Settings::load_with_env(Some(&file), env(&[])).unwrap();
        let rules = s.health_setup().unwrap().alerts;
        assert_eq!(
            (
                rules.usage_drop_percent,
                rules.renewal_at_risk_days,
                rules.escalation
            ),
            (0, 90, false)
        );
        assert_eq!(rules.usage_drop_min_connections, 50, "the default floor");
        std::fs::write(&file, "[alerts]\nusage_drop_min_connections = 200\n").unwrap();
        let s = Settings::load_with_env(Some(&file), env(&[])).unwrap();
        assert_eq!(
            s.health_setup().unwrap().alerts.usage_drop_min_connections,
            200
        );
        std::fs::write(&file, "[alerts]\nusage_drop_percent = 150\n").unwrap();
        let s = Settings::load_with_env(Some(&file), env(&[])).unwrap();
        let e = s.health_setup().unwrap_err().to_string();
        assert!(e.contains("[alerts] usage_drop_percent"), "{e}");
        for (text, needle) in [
            (
                "[alerts]\nrenewal_at_risk_days = -3\n",
                "renewal_at_risk_days",
            ),
            ("[alerts]\nescalation = \"sometimes\"\n", "escalation"),
            ("[alerts]\nusage_drop = 10\n", "usage_drop"),
        ] {
            std::fs::write(&file, text).unwrap();
            let e = Settings::load_with_env(Some(&file), env(&[]))
                .unwrap_err()
                .to_string();
            assert!(e.contains(needle), "{text}: {e}");
        }
    }

    #[test]
    fn custom_fields_and_churn_reasons_load_and_bad_ones_say_where() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("c.toml");
        std::fs::write(
            &file,
            r#"
[[custom_fields]]
name = "tier"
label = "Tier"
type = "choice"
choices = ["gold", "silver"]
[[custom_fields]]
name = "sponsor"
type = "user"
[churn]
reasons = ["Product > Adoption > Low usage", "Price"]
[[goals]]
name = "Adoption"
goals = ["Go live", "Weekly use"]
[[goals]]
name = "Renewal"
"#,
        )
        .unwrap();
        let s = Settings::load_with_env(Some(&file), env(&[])).unwrap();
        let rules = s.account_rules(false).unwrap();
        assert_eq!(rules.custom_fields.len(), 2);
        assert_eq!(
            rules.custom_fields[1].kind,
            crate::domain::CustomFieldType::User
        );
        assert_eq!(rules.churn_reasons.categories.len(), 2);
        assert_eq!(rules.goals_profiles.len(), 2);
        assert_eq!(rules.goals_profiles[0].goals, ["Go live", "Weekly use"]);
        assert_eq!(*s.tui_options().unwrap().accounts, rules);
        // None configured: the demo has its own, a real store none.
        let s = Settings::default();
        assert_eq!(
            s.account_rules(true).unwrap(),
            crate::domain::AccountRules::demo()
        );
        assert!(s.account_rules(false).unwrap().custom_fields.is_empty());
        for (text, needles) in [
            (
                "[[custom_fields]]\nname = \"Tier\"\n",
                &["[[custom_fields]] #1 \"Tier\"", "lowercase"][..],
            ),
            (
                "[[custom_fields]]\nname = \"tier\"\ntype = \"choice\"\n",
                &["#1 \"tier\"", "needs choices"],
            ),
            (
                "[[custom_fields]]\nname = \"a\"\n[[custom_fields]]\nname = \"a\"\n",
                &["#2", "used twice"],
            ),
            (
                "[[custom_fields]]\nname = \"n\"\ntype = \"number\"\nchoices = [\"1\"]\n",
                &["#1", "choices are for type \"choice\""],
            ),
            (
                "[churn]\nreasons = [\"A > B > C > D\"]\n",
                &["[churn] reasons #1 \"A > B > C > D\"", "three levels"],
            ),
            (
                "[churn]\nreasons = [\"A >  > C\"]\n",
                &["[churn] reasons #1", "empty level"],
            ),
            (
                "[[goals]]\nname = \"A\"\n[[goals]]\nname = \"a\"\n",
                &["[[goals]] #2 \"a\"", "used twice"],
            ),
        ] {
            let s = settings_from(&file, text);
            assert_refused(s.account_rules(false), needles);
            assert!(s.tui_options().is_err(), "{text}");
        }
        for (text, needle) in [
            (
                "[[custom_fields]]\nname = \"a\"\ntype = \"money\"\n",
                "money",
            ),
            ("[[custom_fields]]\nname = \"a\"\nkind = \"text\"\n", "kind"),
            ("[churn]\nreason = []\n", "reason"),
            ("[[goals]]\nname = \"A\"\ngoal = []\n", "goal"),
        ] {
            std::fs::write(&file, text).unwrap();
            let e = Settings::load_with_env(Some(&file), env(&[]))
                .unwrap_err()
                .to_string();
            assert!(e.contains(needle), "{text}: {e}");
        }
    }

    #[test]
    fn health_can_be_switched_off() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("c.toml");
        std::fs::write(&file, "").unwrap();
        let s = Settings::load_with_env(Some(&file), env(&[])).unwrap();
        assert!(s.health_setup().unwrap().enabled);
        assert!(!s.tui_options().unwrap().health_off);
        std::fs::write(&file, "[health]\nenabled = false\n").unwrap();
        let s = Settings::load_with_env(Some(&file), env(&[])).unwrap();
        assert!(!s.health_setup().unwrap().enabled);
        assert!(s.tui_options().unwrap().health_off);
        std::fs::write(&file, "[health]\nenabled = \"sometimes\"\n").unwrap();
        let e = Settings::load_with_env(Some(&file), env(&[]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("enabled"), "{e}");
    }

    #[test]
    fn overview_blocks_load_and_unknown_ones_say_which_and_what_is_allowed() {
        use crate::tui::screens::account::blocks::OverviewBlock as B;
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("c.toml");
        let load = |text: &str| {
            std::fs::write(&file, text).unwrap();
            Settings::load_with_env(Some(&file), env(&[]))
                .unwrap()
                .tui_options()
        };
        assert_eq!(load("").unwrap().overview, B::DEFAULT);
        assert_eq!(
            load("[overview]\nblocks = [\"churn\", \"health\"]\n")
                .unwrap()
                .overview,
            vec![B::Churn, B::Health]
        );
        for (text, needles) in [
            (
                "[overview]\nblocks = [\"health\", \"chart\"]\n",
                &[
                    "[overview] blocks: unknown block \"chart\"",
                    "allowed: health, kpis, focus, churn, stakeholders, custom_fields",
                ][..],
            ),
            (
                "[overview]\nblocks = [\"kpis\", \"kpis\"]\n",
                &["[overview] blocks", "\"kpis\" is named twice"],
            ),
        ] {
            assert_refused(load(text), needles);
        }
    }

    #[test]
    fn the_portfolio_start_filter_and_the_ssh_idle_time_are_checked() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("c.toml");
        let load = |text: &str| {
            std::fs::write(&file, text).unwrap();
            Settings::load_with_env(Some(&file), env(&[])).unwrap()
        };
        let filter = |text: &str| load(text).tui_options().map(|o| o.portfolio_filter);
        assert_eq!(filter("").unwrap(), None);
        assert_eq!(filter("[portfolio]\nfilter = \"\"\n").unwrap(), None);
        assert_eq!(
            filter("[portfolio]\nfilter = \" @followed health<50 \"\n").unwrap(),
            Some("@followed health<50".into())
        );
        let bad = filter("[portfolio]\nfilter = \"health<\"\n")
            .unwrap_err()
            .to_string();
        assert!(bad.contains("portfolio.filter"), "{bad}");
        // A case field is not an account's.
        let bad = filter("[portfolio]\nfilter = \"priority:urgent\"\n")
            .unwrap_err()
            .to_string();
        assert!(bad.contains("portfolio.filter"), "{bad}");

        let idle = |text: &str| load(text).server.ssh_options().map(|o| o.idle);
        assert_eq!(idle("").unwrap(), std::time::Duration::from_secs(30 * 60));
        assert_eq!(
            idle("[server]\nssh_idle_minutes = 0.5\n").unwrap(),
            std::time::Duration::from_secs(30)
        );
        for text in ["0", "-1", "0.001", "1e12", "nan", "inf"] {
            let bad = idle(&format!("[server]\nssh_idle_minutes = {text}\n"))
                .unwrap_err()
                .to_string();
            assert!(bad.contains("server.ssh_idle_minutes"), "{text}: {bad}");
        }
    }

    #[test]
    fn portfolio_columns_load_and_bad_ones_say_where_which_and_what_is_allowed() {
        use crate::tui::screens::portfolio::columns::Column as C;
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("c.toml");
        let load = |text: &str| {
            std::fs::write(&file, text).unwrap();
            Settings::load_with_env(Some(&file), env(&[]))
                .unwrap()
                .tui_options()
        };
        assert_eq!(load("").unwrap().columns, C::DEFAULT);
        assert_eq!(
            load("[portfolio]\ncolumns = [\"arr\", \"parent\", \"trend\"]\n")
                .unwrap()
                .columns,
            [C::Arr, C::Parent, C::Trend]
        );
        // An empty set: the score and the name only.
        assert_eq!(load("[portfolio]\ncolumns = []\n").unwrap().columns, []);
        for (text, needles) in [
            (
                "[portfolio]\ncolumns = [\"mrr\", \"nps\"]\n",
                &[
                    "portfolio.columns",
                    "unknown column \"nps\"",
                    "allowed: trend, mrr, arr, renewal, owner, stage, segment, region, churn, tags, domain, parent",
                ][..],
            ),
            (
                "[portfolio]\ncolumns = [\"owner\", \"owner\"]\n",
                &["portfolio.columns", "\"owner\" is named twice"],
            ),
            (
                "[portfolio]\ncolumns = [\"health\"]\n",
                &["portfolio.columns", "always show"],
            ),
            (
                "[[views]]\nname = \"big\"\ncolumns = [\"mrr\", \"size\"]\n",
                &[
                    "[[views]] #1 \"big\"",
                    "columns: unknown column \"size\"",
                    "allowed: trend",
                ],
            ),
            (
                "[[views]]\nname = \"c\"\nlist = \"cases\"\ncolumns = [\"mrr\"]\n",
                &["[[views]] #1 \"c\"", "columns: only a view of accounts"],
            ),
        ] {
            assert_refused(load(text), needles);
        }
        // A view's own set is read with the view.
        let views = load("[[views]]\nname = \"big\"\ncolumns = [\"arr\", \"owner\"]\n")
            .unwrap()
            .views;
        assert_eq!(
            views[0].columns.as_deref(),
            Some(&["arr".to_string(), "owner".to_string()][..])
        );
    }

    #[test]
    fn writing_portfolio_columns_keeps_the_rest_of_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("c.toml");
        std::fs::write(
            &file,
            "# mine\n[ui]\ntheme = \"light\"\n\n[portfolio]\n# the money first\ncolumns = [\"mrr\"]\n",
        )
        .unwrap();
        crate::tui::saved::write_portfolio_columns(&file, &["arr".into(), "owner".into()]).unwrap();
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(text.starts_with("# mine\n"), "{text}");
        assert!(text.contains("# the money first"), "{text}");
        let s = Settings::load_with_env(Some(&file), env(&[])).unwrap();
        assert_eq!(s.ui.theme, "light");
        assert_eq!(
            s.portfolio.columns,
            Some(vec!["arr".to_string(), "owner".to_string()])
        );
        // A file without the table gets one; a file that is not there is made.
        let other = dir.path().join("d.toml");
        crate::tui::saved::write_portfolio_columns(&other, &[]).unwrap();
        let s = Settings::load_with_env(Some(&other), env(&[])).unwrap();
        assert_eq!(s.portfolio.columns, Some(vec![]));
        // Views written after it leave it be.
        write_views(&other, &[]).unwrap();
        let s = Settings::load_with_env(Some(&other), env(&[])).unwrap();
        assert_eq!(s.portfolio.columns, Some(vec![]));
        // `portfolio` that is not a table is said, with the file.
        std::fs::write(&file, "portfolio = 3\n").unwrap();
        let e = crate::tui::saved::write_portfolio_columns(&file, &[]).unwrap_err();
        assert!(
            e.contains("c.toml") && e.contains("portfolio is not a table"),
            "{e}"
        );
    }

    #[test]
    fn bad_ui_settings_are_refused_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("c.toml");
        for (text, needle) in [
            ("[ui]\ntheme = \"neon\"\n", "neon"),
            ("[ui.keys.portfolio]\nfly = [\"x\"]\n", "fly"),
            ("[ui.keys.portfolio]\nsort = [\"hyper-x\"]\n", "hyper-x"),
            ("[ui.keys.kitchen]\nsort = [\"x\"]\n", "kitchen"),
        ] {
            assert_refused(settings_from(&file, text).tui_options(), &[needle]);
        }
    }
}
