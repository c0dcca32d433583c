//! `suno listen`: receive the provider's callbacks on an address, print
//! each verified one as a JSON line (`task_id`, `kind`, `stage`, `code`),
//! refuse forged or stale ones (401 and a line on stderr), and print a
//! repeated delivery once.

use std::net::SocketAddr;

use kie_suno::callback::{Received, Receiver, Verifier, WebhookKey};
use kie_suno::wait::Wakeups;

use crate::exit::Failure;

/// The verifier for `--listen` and `suno listen`: the key from
/// `KIE_WEBHOOK_HMAC_KEY`, or no checks only when asked for.
pub fn verifier(insecure_no_verify: bool) -> Result<Verifier, Failure> {
    match (WebhookKey::from_env(), insecure_no_verify) {
        (Some(key), _) => Ok(Verifier::new(key)),
        (None, true) => Ok(Verifier::insecure_without_signatures()),
        (None, false) => Err(Failure::Usage(
            "KIE_WEBHOOK_HMAC_KEY is not set: callbacks cannot be verified \
             (set it from the account's settings page, or pass --insecure-no-verify \
             to accept unsigned callbacks from anyone)"
                .into(),
        )),
    }
}

/// Receives callbacks on `addr` for the waits given `wakeups`, in the
/// background, while the returned handle lives.
pub async fn wake(
    addr: SocketAddr,
    insecure_no_verify: bool,
    wakeups: &Wakeups,
) -> Result<tokio::task::JoinHandle<()>, Failure> {
    let (bound, _received, serving) = Receiver::new(verifier(insecure_no_verify)?)
        .wake(wakeups)
        .serve(addr)
        .await
        .map_err(|e| Failure::Usage(format!("cannot listen on {addr}: {e}")))?;
    eprintln!("listening for callbacks on http://{bound}");
    Ok(serving)
}

/// Runs until Ctrl-C.
pub async fn run(addr: SocketAddr, insecure_no_verify: bool) -> Result<(), Failure> {
    let verifier = verifier(insecure_no_verify)?;
    let (bound, mut received, _serving) = Receiver::new(verifier)
        .serve(addr)
        .await
        .map_err(|e| Failure::Usage(format!("cannot listen on {addr}: {e}")))?;
    eprintln!("listening for callbacks on http://{bound}");
    loop {
        tokio::select! {
            next = received.recv() => match next {
                Some(Received::Callback(delivery)) => {
                    let c = &delivery.callback;
                    let line = serde_json::json!({
                        "task_id": c.task_id,
                        "kind": c.kind().as_str(),
                        "stage": c.stage.as_ref().map(|s| s.as_str().to_owned()),
                        "code": c.code.code(),
                    });
                    println!("{line}");
                }
                Some(Received::Refused(rejection)) => {
                    eprintln!("refused a callback ({}): {rejection}", rejection.http_status());
                }
                Some(_) | None => {}
            },
            _ = tokio::signal::ctrl_c() => return Ok(()),
        }
    }
}
