//! A loopback server that answers one path with one JSON body, for the
//! answers the mock does not give (a balance with a fraction of a credit).

use axum::Router;
use axum::http::header;
use axum::routing::get;

/// Serves `body` as `application/json` for `GET path` on 127.0.0.1; its
/// base URL. The server lives as long as the runtime.
pub async fn serve_json(path: &str, body: String) -> std::io::Result<String> {
    let app = Router::new().route(
        path,
        get(move || {
            let body = body.clone();
            async move { ([(header::CONTENT_TYPE, "application/json")], body) }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok(url)
}
