//! [`ClientBuilder`]: a client's settings, checked once when it is built
//! (the base URL's scheme and shape, the key, the callback URL), and the
//! parts a client shares among its clones made there.

use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{AUTHORIZATION, HeaderMap};
use url::Url;

use super::{
    Client, DEFAULT_BASE_URL, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_BODY_BYTES, DEFAULT_TIMEOUT,
    MAX_IDLE_CONNECTIONS, Shared,
};
use crate::auth::ApiKey;
use crate::budget::RateBudget;
use crate::error::Error;
use crate::generated::{self, Transport};
use crate::journal::sink::EventSink;
use crate::journal::{Journal, SharedCreateLimit};
use crate::limit::{CreateLimit, CreateLimiter};

impl Client {
    /// A client of the real API with this key and the default settings.
    pub fn new(api_key: &str) -> Result<Self, Error> {
        Client::builder().api_key(ApiKey::new(api_key)?).build()
    }

    /// A client configured from the environment: `KIE_API_KEY` (required),
    /// `KIE_BASE_URL` and `KIE_CALLBACK_URL` (optional; see
    /// [`ClientBuilder::callback_url`]).
    pub fn from_env() -> Result<Self, Error> {
        let key = std::env::var("KIE_API_KEY").map_err(|_| Error::MissingApiKey)?;
        let mut builder = Client::builder().api_key(ApiKey::new(&key)?);
        if let Ok(url) = std::env::var("KIE_BASE_URL") {
            builder = builder.base_url(url);
        }
        if let Ok(url) = std::env::var("KIE_CALLBACK_URL") {
            builder = builder.callback_url(url);
        }
        builder.build()
    }

    /// Settings for a client; see [`ClientBuilder`].
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }
}

/// Settings for a [`Client`].
///
/// ```
/// use std::time::Duration;
/// use kie_suno::{ApiKey, Client};
/// let client = Client::builder()
///     .api_key(ApiKey::new("my-key")?)
///     .base_url("https://api.kie.ai/")
///     .timeout(Duration::from_secs(20))
///     .build()?;
/// assert_eq!(client.base_url(), "https://api.kie.ai");
/// # Ok::<(), kie_suno::Error>(())
/// ```
#[derive(Debug)]
pub struct ClientBuilder {
    api_key: Option<ApiKey>,
    base_url: String,
    timeout: Duration,
    connect_timeout: Duration,
    user_agent: String,
    file_user_agent: Option<String>,
    http_client: Option<reqwest::Client>,
    allow_insecure_http: bool,
    allow_insecure_callback: bool,
    max_body_bytes: usize,
    transport: Option<Arc<dyn Transport>>,
    create_limit: Option<CreateLimit>,
    shared_create_limit: Option<Arc<dyn SharedCreateLimit>>,
    callback_url: Option<String>,
    journal: Option<Arc<dyn Journal>>,
    drift: bool,
    max_concurrent_requests: usize,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            api_key: None,
            base_url: DEFAULT_BASE_URL.to_owned(),
            timeout: DEFAULT_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            user_agent: concat!("kie-suno/", env!("CARGO_PKG_VERSION")).to_owned(),
            file_user_agent: None,
            http_client: None,
            allow_insecure_http: false,
            allow_insecure_callback: false,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            transport: None,
            create_limit: Some(CreateLimit::default()),
            shared_create_limit: None,
            callback_url: None,
            journal: None,
            drift: true,
            max_concurrent_requests: super::DEFAULT_MAX_CONCURRENT_REQUESTS,
        }
    }
}

impl ClientBuilder {
    /// The API key (required).
    pub fn api_key(mut self, key: ApiKey) -> Self {
        self.api_key = Some(key);
        self
    }

    /// Where the API is (default `https://api.kie.ai`). A path prefix is
    /// kept; a trailing slash is ignored. `http://` is refused unless the
    /// host is loopback or [`allow_insecure_http`](Self::allow_insecure_http) is set.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    /// How long one request may take in all (default 30 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// At most this many API requests in flight at once through the
    /// client and its clones (default
    /// [`DEFAULT_MAX_CONCURRENT_REQUESTS`](crate::DEFAULT_MAX_CONCURRENT_REQUESTS),
    /// at least 1); more wait their turn in memory, and their time
    /// counts against a wait's deadline, not the request's timeout. Each
    /// request in flight holds a connection over HTTP/1.1, so this bounds
    /// the sockets a process following many tasks holds. Downloads of
    /// files are not counted.
    pub fn max_concurrent_requests(mut self, requests: usize) -> Self {
        self.max_concurrent_requests = requests;
        self
    }

    /// How long connecting may take (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// The `User-Agent` header (default `kie-suno/<version>`).
    pub fn user_agent(mut self, agent: impl Into<String>) -> Self {
        self.user_agent = agent.into();
        self
    }

    /// The `User-Agent` sent to file hosts when downloading (default: the
    /// client's, [`Self::user_agent`]). Live, some hosts answer 403 to an
    /// HTTP library's default agent; name your app here if one refuses
    /// yours.
    pub fn file_user_agent(mut self, agent: impl Into<String>) -> Self {
        self.file_user_agent = Some(agent.into());
        self
    }

    /// Sends requests through the caller's own client (its pool, proxy and
    /// TLS settings). The timeouts and user agent of this builder are then
    /// not applied; the API key still is.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http_client = Some(client);
        self
    }

    /// Allows `http://` base URLs on hosts that are not loopback. The API
    /// key then crosses the network in clear text.
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }

    /// Allows `http://` callback URLs (the client's and each request's)
    /// on hosts that are not loopback. The tasks' results, lyrics and file
    /// URLs then cross the network in clear text. Refused by default,
    /// before anything is sent.
    pub fn allow_insecure_callback(mut self, allow: bool) -> Self {
        self.allow_insecure_callback = allow;
        self
    }

    /// The largest response body read (default 8 MiB). A longer one is
    /// refused with [`Error::BodyTooLarge`] once the limit is reached,
    /// without reading the rest.
    pub fn max_body_bytes(mut self, limit: usize) -> Self {
        self.max_body_bytes = limit;
        self
    }

    /// Sends every request through `transport` instead of the network: a
    /// test double, or the mock's [`Simulation`](crate::mock::Simulation).
    /// Everything else (authentication, the body limit, decoding, errors)
    /// works as over HTTP.
    pub fn transport(mut self, transport: Arc<dyn Transport>) -> Self {
        self.transport = Some(transport);
        self
    }

    /// How many creates this client sends per window (default
    /// [`CreateLimit::default`]: under the account's limit of about 20 per
    /// 10 s). Creates beyond it wait for their turn. A window is counted
    /// from each create's answer: the API sees a create before it answers
    /// it, so creates `requests` turns apart reach it at least `per` apart
    /// however late they arrive, at the cost of one round trip per
    /// window (a burst of 100 takes 4 windows and 4 round trips). `None`
    /// sends every create at once; the API then refuses the excess, which
    /// is retried.
    /// Clones of a client share its limit; separate clients (or processes)
    /// on one account should split it.
    pub fn create_limit(mut self, limit: Option<CreateLimit>) -> Self {
        self.create_limit = limit;
        self
    }

    /// Keeps the create limit (as set by [`Self::create_limit`], or the
    /// default) across every process that uses `shared` too: before each
    /// create, after this client's own turn, it takes one from `shared` (a
    /// [`PostgresJournal`](crate::journal::PostgresJournal) for a fleet). A
    /// create that cannot get its turn (the store is away) is not sent.
    pub fn shared_create_limit(mut self, shared: Arc<dyn SharedCreateLimit>) -> Self {
        self.shared_create_limit = Some(shared);
        self
    }

    /// Where created tasks' results go when a create request names no
    /// callback URL. The API requires one, and whoever receives it gets the
    /// task's results, so the client never makes one up: without this and
    /// without a URL on the request, a create is refused before sending.
    pub fn callback_url(mut self, url: impl Into<String>) -> Self {
        self.callback_url = Some(url.into());
        self
    }

    /// Whether answers are compared with the description and what they
    /// hold undescribed is counted ([`Client::drift`]; default on: the
    /// first 16 answers of each operation, then one in 64).
    pub fn drift(mut self, on: bool) -> Self {
        self.drift = on;
        self
    }

    /// Writes every create down before sending it, then its task id (or
    /// why there is none), the status changes its waits see, how it ended,
    /// and the files saved; see [`crate::journal`]. A create the journal
    /// cannot write down is not sent.
    pub fn journal(mut self, journal: Arc<dyn Journal>) -> Self {
        self.journal = Some(journal);
        self
    }

    /// Checks the settings and makes the client.
    pub fn build(self) -> Result<Client, Error> {
        let key = self.api_key.ok_or(Error::MissingApiKey)?;
        let base_url = check_base_url(&self.base_url, self.allow_insecure_http)?;
        let callback_url = self
            .callback_url
            .map(|url| crate::validate::callback_url("client", &url, self.allow_insecure_callback))
            .transpose()?;
        let file_user_agent = self
            .file_user_agent
            .unwrap_or_else(|| self.user_agent.clone());
        let http = match self.http_client {
            Some(client) => client,
            // Waiters poll one host in short bursts: a few idle connections
            // serve them; a burst's extra connections (and their buffers)
            // are closed instead of idling in the pool.
            None => reqwest::Client::builder()
                .pool_max_idle_per_host(MAX_IDLE_CONNECTIONS)
                .timeout(self.timeout)
                .connect_timeout(self.connect_timeout)
                .user_agent(self.user_agent)
                .build()
                .map_err(|source| Error::HttpClient { source })?,
        };
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, key.authorization());
        let journal = self.journal;
        let drift = self
            .drift
            .then(|| Arc::new(crate::drift::Drift::new(journal.clone().map(drift_writer))));
        let options = generated::RequestOptions {
            headers,
            max_body_bytes: self.max_body_bytes,
            transport: self.transport,
            observer: drift
                .clone()
                .map(|d| d as Arc<dyn generated::AnswerObserver>),
        };
        Ok(Client {
            shared: Arc::new(Shared {
                inner: generated::Client::new_with_client(&base_url, http, options),
                budget: RateBudget::default(),
                creates: CreateLimiter::new(self.create_limit),
                shared_creates: self
                    .shared_create_limit
                    .map(|shared| (shared, self.create_limit.unwrap_or_default())),
                callback_url,
                allow_insecure_callback: self.allow_insecure_callback,
                events: EventSink::new(journal),
                files: std::sync::OnceLock::new(),
                file_user_agent,
                drift,
                in_flight: tokio::sync::Semaphore::new(self.max_concurrent_requests.max(1)),
                polls: tokio::sync::Semaphore::new(self.max_concurrent_requests.max(1)),
            }),
        })
    }
}

/// Drift written to `journal`'s drift table.
fn drift_writer(journal: Arc<dyn Journal>) -> crate::drift::Writer {
    Arc::new(move |report| {
        let journal = journal.clone();
        Box::pin(async move {
            journal
                .record_drift(&report)
                .await
                .map_err(|e| e.to_string())
        })
    })
}

/// Checks a base URL and returns it without a trailing slash.
fn check_base_url(text: &str, allow_insecure_http: bool) -> Result<String, Error> {
    let invalid = |reason: &str| Error::InvalidBaseUrl {
        url: text.to_owned(),
        reason: reason.to_owned(),
    };
    let url = Url::parse(text.trim()).map_err(|e| invalid(&e.to_string()))?;
    match url.scheme() {
        "https" => {}
        "http" if allow_insecure_http || crate::host::is_loopback(&url) => {}
        "http" => {
            return Err(invalid(
                "plain http to a host that is not loopback would send the API key in clear text; \
                 use https (or allow_insecure_http)",
            ));
        }
        _ => return Err(invalid("the scheme must be https (or http on loopback)")),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid("credentials in the URL are not supported"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid("a base URL has no query or fragment"));
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_url_keeps_prefix_and_drops_trailing_slash() {
        assert_eq!(
            check_base_url("https://example.com/proxy/", false).unwrap(),
            "https://example.com/proxy"
        );
        assert_eq!(
            check_base_url("http://127.0.0.1:8080", false).unwrap(),
            "http://127.0.0.1:8080"
        );
        assert_eq!(
            check_base_url("http://[::1]:80/", false).unwrap(),
            "http://[::1]"
        );
        assert_eq!(
            check_base_url("http://localhost:9/x", false).unwrap(),
            "http://localhost:9/x"
        );
    }

    #[test]
    fn plain_http_to_a_remote_host_is_refused_unless_allowed() {
        let e = check_base_url("http://api.kie.ai", false).unwrap_err();
        assert!(e.to_string().contains("clear text"), "{e}");
        assert!(check_base_url("http://api.kie.ai", true).is_ok());
        assert!(check_base_url("ftp://api.kie.ai", true).is_err());
        assert!(check_base_url("https://u:p@api.kie.ai", false).is_err());
        assert!(check_base_url("https://api.kie.ai/?x=1", false).is_err());
        assert!(check_base_url("not a url", false).is_err());
    }
}
