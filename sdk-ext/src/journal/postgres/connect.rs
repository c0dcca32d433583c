//! Reaching the database: its URL read, and connections made with TLS
//! (rustls) as the URL's `sslmode` says, with libpq's meanings (the table
//! is on [`PostgresJournal::open`](super::PostgresJournal::open)).
//! tokio-postgres itself knows only `disable`, `prefer` and `require`;
//! this module takes `verify-ca`, `verify-full` and `sslrootcert` off the
//! URL before it parses the rest, and checks the server's certificate as
//! much as the mode asks.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, SignatureScheme};
use tokio_postgres::tls::MakeTlsConnect;
use tokio_postgres::{Client, Config, Connection, Socket};
use tokio_postgres_rustls::MakeRustlsConnect;

/// A connection's stream: TLS or plain, as negotiated.
pub(super) type Stream = <MakeRustlsConnect as MakeTlsConnect<Socket>>::Stream;

/// Where the database is and how to reach it.
#[derive(Clone)]
pub(super) struct Database {
    config: Config,
    tls: MakeRustlsConnect,
    /// The URL without its password (nor its parameters), for messages.
    location: String,
}

impl Database {
    /// Reads `url` (`postgres://user[:password]@host[:port]/db[?params]`,
    /// or tokio-postgres's `key=value` form); says what is wrong with it.
    pub(super) fn from_url(url: &str) -> Result<Database, String> {
        let read = tls_parameters(url)?;
        let config: Config = read
            .url
            .parse()
            .map_err(|e| format!("it cannot be read: {e}"))?;
        Ok(Database {
            location: location(&config),
            tls: tls(read.check, read.root.as_deref())?,
            config,
        })
    }

    /// A new connection, and the connection's driver to spawn or poll.
    pub(super) async fn connect(
        &self,
    ) -> Result<(Client, Connection<Socket, Stream>), tokio_postgres::Error> {
        self.config.connect(self.tls.clone()).await
    }

    pub(super) fn location(&self) -> &str {
        &self.location
    }
}

/// What was wrong with the server's certificate, when that is why
/// `error` happened: waiting does not help, and the message says what to
/// set.
pub(super) fn certificate_failure(error: &tokio_postgres::Error) -> Option<&rustls::Error> {
    std::error::Error::source(error)
        .and_then(|cause| cause.downcast_ref::<std::io::Error>())
        .and_then(|io| io.get_ref())
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
        .filter(|e| matches!(e, rustls::Error::InvalidCertificate(_)))
}

/// What a certificate failure's message adds.
pub(super) const CERTIFICATE_HINT: &str = "the server's certificate failed the check sslmode \
     asks for: name its CA with sslrootcert=PATH, or connect by the name the certificate is for";

/// How much of the server's certificate is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Check {
    Nothing,
    Chain,
    ChainAndName,
}

/// What this module reads off a URL: the URL for tokio-postgres (the
/// rest, as written), the check `sslmode` asks for, and `sslrootcert`.
#[derive(Debug, PartialEq, Eq)]
struct TlsParameters {
    url: String,
    check: Check,
    root: Option<PathBuf>,
}

/// Takes the parameters this module reads off `url`. A `key=value`
/// string goes to tokio-postgres as it is (no certificate checks). An
/// `sslmode` or `sslrootcert` given twice is refused: which one holds
/// would be a guess, and a guess about TLS is not made.
fn tls_parameters(url: &str) -> Result<TlsParameters, String> {
    let mut read = TlsParameters {
        url: url.to_owned(),
        check: Check::Nothing,
        root: None,
    };
    let is_url = url.starts_with("postgres://") || url.starts_with("postgresql://");
    let Some((base, query)) = url.split_once('?').filter(|_| is_url) else {
        return Ok(read);
    };
    let mut kept = Vec::new();
    let mut required = false;
    let mut given: Vec<(String, String)> = Vec::new();
    for raw in query.split('&').filter(|p| !p.is_empty()) {
        let decoded = url::form_urlencoded::parse(raw.as_bytes()).next();
        if let Some((key, value)) = &decoded
            && matches!(key.as_ref(), "sslmode" | "sslrootcert")
        {
            if let Some((_, first)) = given.iter().find(|(k, _)| k == key) {
                return Err(format!(
                    "{key} is given twice ({first} and {value}): give it once"
                ));
            }
            given.push((key.to_string(), value.to_string()));
        }
        match decoded.as_ref().map(|(k, v)| (k.as_ref(), v.as_ref())) {
            Some(("sslrootcert", "system")) => read.root = None,
            Some(("sslrootcert", path)) => read.root = Some(PathBuf::from(path)),
            Some(("sslmode", "require")) => {
                required = true;
                kept.push(raw);
            }
            Some(("sslmode", mode @ ("verify-ca" | "verify-full"))) => {
                read.check = match mode {
                    "verify-ca" => Check::Chain,
                    _ => Check::ChainAndName,
                };
                kept.push("sslmode=require");
            }
            _ => kept.push(raw),
        }
    }
    // As in libpq: `require` with a root certificate named checks the chain.
    if required && read.root.is_some() && read.check == Check::Nothing {
        read.check = Check::Chain;
    }
    read.url = if kept.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    Ok(read)
}

/// The TLS connector for `check`, trusting the system's roots or only
/// the certificates in `root`.
fn tls(check: Check, root: Option<&Path>) -> Result<MakeRustlsConnect, String> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let chain: Option<Arc<dyn ServerCertVerifier>> = match (check, root) {
        (Check::Nothing, _) => None,
        (_, None) => Some(Arc::new(
            rustls_platform_verifier::Verifier::new(provider.clone())
                .map_err(|e| format!("the system's certificate roots cannot be used: {e}"))?,
        )),
        (_, Some(path)) => {
            let roots = root_certificates(path)?;
            Some(
                rustls::client::WebPkiServerVerifier::builder_with_provider(
                    Arc::new(roots),
                    provider.clone(),
                )
                .build()
                .map_err(|e| format!("sslrootcert {}: {e}", path.display()))?,
            )
        }
    };
    let verifier = Verifier {
        chain,
        check_name: check == Check::ChainAndName,
        provider: provider.clone(),
    };
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS cannot be set up: {e}"))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    Ok(MakeRustlsConnect::new(config))
}

/// The CA certificates in the PEM file at `path`.
fn root_certificates(path: &Path) -> Result<rustls::RootCertStore, String> {
    let at = |what: &dyn std::fmt::Display| format!("sslrootcert {}: {what}", path.display());
    let pem = std::fs::read(path).map_err(|e| at(&e))?;
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(&pem) {
        let cert = cert.map_err(|e| at(&format!("not a PEM certificate: {e}")))?;
        roots.add(cert).map_err(|e| at(&e))?;
    }
    if roots.is_empty() {
        return Err(at(&"no certificate in it"));
    }
    Ok(roots)
}

/// Checks as much of the server's certificate as `sslmode` asks; the
/// handshake's signatures are always checked (the key exchange is bound
/// to the certificate's key whether or not the certificate is trusted).
#[derive(Debug)]
struct Verifier {
    /// The chain check, or `None` to accept any certificate.
    chain: Option<Arc<dyn ServerCertVerifier>>,
    check_name: bool,
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for Verifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let Some(chain) = &self.chain else {
            return Ok(ServerCertVerified::assertion());
        };
        match chain.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now) {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) if !self.check_name => Ok(ServerCertVerified::assertion()),
            checked => checked,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// `postgres://user@host:port/db`, without the password.
fn location(config: &Config) -> String {
    let user = config.get_user().unwrap_or("");
    let host = config
        .get_hosts()
        .first()
        .map(|h| match h {
            tokio_postgres::config::Host::Tcp(name) => name.clone(),
            #[allow(unreachable_patterns)]
            _ => "(socket)".to_owned(),
        })
        .unwrap_or_default();
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let db = config.get_dbname().unwrap_or("");
    format!("postgres://{user}@{host}:{port}/{db}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn libpq_tls_parameters_are_taken_off_and_the_rest_kept_as_written() {
        let read = tls_parameters(
            "postgres://u:p%40ss@db:5433/suno?application_name=a%20b&sslmode=verify-full&sslrootcert=%2Fetc%2Fca.pem",
        )
        .expect("read");
        assert_eq!(
            read,
            TlsParameters {
                url: "postgres://u:p%40ss@db:5433/suno?application_name=a%20b&sslmode=require"
                    .to_owned(),
                check: Check::ChainAndName,
                root: Some(PathBuf::from("/etc/ca.pem")),
            }
        );
        assert_eq!(
            tls_parameters("postgres://u@db/suno?sslmode=verify-ca")
                .expect("read")
                .check,
            Check::Chain
        );
        assert_eq!(
            tls_parameters("postgres://u@db/suno?sslrootcert=ca.pem&sslmode=require")
                .expect("read")
                .check,
            Check::Chain,
            "require with a root certificate, as libpq"
        );
    }

    #[test]
    fn an_sslmode_or_root_given_twice_is_refused() {
        for (url, says) in [
            (
                "postgres://u@db/suno?sslmode=verify-full&sslmode=disable",
                "sslmode is given twice (verify-full and disable)",
            ),
            (
                "postgres://u@db/suno?sslmode=require&sslmode=require",
                "sslmode is given twice",
            ),
            (
                "postgres://u@db/suno?sslrootcert=a.pem&sslrootcert=system",
                "sslrootcert is given twice",
            ),
        ] {
            let e = tls_parameters(url).expect_err(url);
            assert!(e.contains(says), "{url}: {e}");
        }
    }

    #[test]
    fn libpq_modes_tokio_postgres_knows_check_no_certificate() {
        for url in [
            "postgres://u@db/suno",
            "postgres://u@db/suno?sslmode=require",
            "postgresql://u@db/suno?sslmode=disable&sslrootcert=system",
            "host=db sslmode=require",
        ] {
            let read = tls_parameters(url).expect("read");
            assert_eq!(read.check, Check::Nothing, "{url}");
            assert_eq!(read.root, None, "{url}");
            assert_eq!(read.url, url.replace("&sslrootcert=system", ""));
        }
    }

    #[test]
    fn a_root_certificate_file_that_is_missing_or_empty_is_refused_by_name() {
        let missing = Database::from_url(
            "postgres://u@db/suno?sslmode=verify-ca&sslrootcert=/no/such/ca.pem",
        )
        .err()
        .unwrap_or_default();
        assert!(
            missing.starts_with("sslrootcert /no/such/ca.pem: "),
            "{missing}"
        );
        let empty = std::env::temp_dir().join(format!("kie-suno-empty-{}.pem", std::process::id()));
        std::fs::write(&empty, "not a certificate\n").unwrap();
        let url = format!(
            "postgres://u@db/suno?sslmode=verify-full&sslrootcert={}",
            empty.display()
        );
        let refused = Database::from_url(&url).err().unwrap_or_default();
        let _ = std::fs::remove_file(&empty);
        assert!(refused.ends_with("no certificate in it"), "{refused}");
    }
}
