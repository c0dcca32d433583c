//! `suno mcp --http ADDR`: the Streamable HTTP transport at `/mcp`, on a
//! loopback address unless `--allow-remote`, and behind a bearer token
//! when one is given (required off loopback). The token is compared in
//! constant time and never printed.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};

use super::server::SunoServer;
use crate::exit::Failure;

/// Refuses an address other machines reach unless asked, and without a token.
pub fn check_address(
    addr: SocketAddr,
    allow_remote: bool,
    token: Option<&str>,
) -> Result<(), Failure> {
    if !addr.ip().is_loopback() && !allow_remote {
        return Err(Failure::Usage(format!(
            "--http {addr} is reachable from other machines: serve on 127.0.0.1, or pass \
             --allow-remote with --token (anyone who reaches it could spend your credits)"
        )));
    }
    if allow_remote && token.is_none_or(str::is_empty) {
        return Err(Failure::Usage(
            "--allow-remote needs --token (or KIE_MCP_TOKEN): clients must send it as a bearer token"
                .into(),
        ));
    }
    Ok(())
}

pub async fn serve(
    server: SunoServer,
    addr: SocketAddr,
    allow_remote: bool,
    token: Option<String>,
) -> Result<(), Failure> {
    let mut config = StreamableHttpServerConfig::default();
    if allow_remote {
        // Clients name this machine as they reach it; the token guards it.
        config = config.disable_allowed_hosts();
    }
    let service = StreamableHttpService::new(
        move || Ok(server.clone()),
        Arc::new(LocalSessionManager::default()),
        config,
    );
    let token = Arc::new(token.filter(|t| !t.is_empty()));
    let app = axum::Router::new()
        .route_service("/mcp", service)
        .layer(axum::middleware::from_fn_with_state(token, bearer));
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| Failure::Failed(format!("mcp: cannot listen on {addr}: {e}")))?;
    let local = listener
        .local_addr()
        .map_err(|e| Failure::Failed(format!("mcp: {e}")))?;
    tell!("suno mcp: serving MCP at http://{local}/mcp");
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .map_err(|e| Failure::Failed(format!("mcp: {e}")))
}

/// Lets a request through only with the bearer token, when there is one.
async fn bearer(
    State(token): State<Arc<Option<String>>>,
    request: Request,
    next: Next,
) -> Response {
    if let Some(expected) = token.as_deref() {
        let given = request
            .headers()
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or("");
        if !same(given.as_bytes(), expected.as_bytes()) {
            return (StatusCode::UNAUTHORIZED, "a bearer token is required\n").into_response();
        }
    }
    next.run(request).await
}

/// Equal bytes, compared in time that does not depend on where they differ.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_off_loopback_needs_allow_remote_and_a_token() {
        let public: SocketAddr = "0.0.0.0:8931".parse().unwrap();
        let local: SocketAddr = "127.0.0.1:8931".parse().unwrap();
        assert!(check_address(local, false, None).is_ok());
        assert!(check_address(public, false, Some("t")).is_err());
        assert!(check_address(public, true, None).is_err());
        assert!(check_address(public, true, Some("")).is_err());
        assert!(check_address(public, true, Some("t")).is_ok());
    }

    #[test]
    fn tokens_compare_whole() {
        assert!(same(b"abc", b"abc"));
        assert!(!same(b"abc", b"abd"));
        assert!(!same(b"abc", b"abcd"));
    }
}
