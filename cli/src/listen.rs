//! `suno listen`: receive the provider's callbacks on an address, print
//! each verified one as a JSON line (`task_id`, `kind`, `stage`, `code`),
//! refuse forged or stale ones (401 and a line on stderr), and print a
//! repeated delivery once. With a journal (`--journal`, `KIE_JOURNAL`),
//! a callback of a create whose answer was lost links the create to its
//! task ([`kie_suno::callback::link`]).

use std::net::SocketAddr;
use std::sync::Arc;

use kie_suno::Client;
use kie_suno::callback::{Linked, Received, Receiver, Verifier, WebhookKey};
use kie_suno::journal::Journal;
use kie_suno::wait::Wakeups;

use crate::exit::Failure;

/// How deliveries are authenticated, as the command line says.
#[derive(Debug, Clone, Copy, Default)]
pub struct Auth {
    /// `--insecure-no-verify`: accept unsigned deliveries from anyone.
    pub insecure_no_verify: bool,
    /// `--url-token`: without a webhook key, the create reference in the
    /// callback URL authenticates each delivery.
    pub url_token: bool,
}

/// The verifier for `--listen`, `suno listen` and `suno worker`: the key
/// from `KIE_WEBHOOK_HMAC_KEY`; else the URL's create reference under
/// `journal`'s key when `--url-token` says so; no checks only when asked
/// for. With a journal, references are read (and a bad one refused).
pub fn verifier(auth: Auth, journal: Option<&Arc<dyn Journal>>) -> Result<Verifier, Failure> {
    let verifier = match (WebhookKey::from_env(), auth, journal) {
        (Some(key), ..) => Verifier::new(key),
        (
            None,
            Auth {
                url_token: true, ..
            },
            Some(journal),
        ) => {
            return Ok(Verifier::url_token(journal.clone()));
        }
        (
            None,
            Auth {
                url_token: true, ..
            },
            None,
        ) => {
            return Err(Failure::Usage(
                "--url-token checks the reference a journal put in each create's callback URL: \
                 name the journal (--journal or KIE_JOURNAL)"
                    .into(),
            ));
        }
        (
            None,
            Auth {
                insecure_no_verify: true,
                ..
            },
            _,
        ) => Verifier::insecure_without_signatures(),
        (None, ..) => {
            return Err(Failure::Usage(
                "KIE_WEBHOOK_HMAC_KEY is not set: callbacks cannot be verified \
                 (set it from the account's settings page; or, with a journal, pass --url-token \
                 to accept only callbacks to the URLs its creates sent; or pass \
                 --insecure-no-verify to accept unsigned callbacks from anyone)"
                    .into(),
            ));
        }
    };
    Ok(match journal {
        Some(journal) => verifier.references(journal.clone()),
        None => verifier,
    })
}

/// Receives callbacks on `addr` for the waits given `wakeups`, in the
/// background, while the returned handle lives.
pub async fn wake(
    addr: SocketAddr,
    auth: Auth,
    wakeups: &Wakeups,
) -> Result<tokio::task::JoinHandle<()>, Failure> {
    let (bound, _received, serving) = Receiver::new(verifier(auth, None)?)
        .wake(wakeups)
        .serve(addr)
        .await
        .map_err(|e| Failure::Usage(format!("cannot listen on {addr}: {e}")))?;
    tell!("listening for callbacks on http://{bound}");
    Ok(serving)
}

/// Runs until Ctrl-C; with `linker` (a client with a journal), links
/// lost creates to the tasks their callbacks name, and says so.
pub async fn run(addr: SocketAddr, auth: Auth, linker: Option<Client>) -> Result<(), Failure> {
    let verifier = verifier(auth, linker.as_ref().and_then(|c| c.journal()))?;
    let (bound, mut received, _serving) = Receiver::new(verifier)
        .serve(addr)
        .await
        .map_err(|e| Failure::Usage(format!("cannot listen on {addr}: {e}")))?;
    tell!("listening for callbacks on http://{bound}");
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
                    say!("{line}");
                    if let Some(client) = &linker
                        && delivery.reference.is_some()
                    {
                        let (client, delivery) = (client.clone(), delivery.clone());
                        tokio::spawn(async move { report_link(&client, &delivery).await });
                    }
                }
                Some(Received::Refused(rejection)) => {
                    tell!("refused a callback ({}): {rejection}", rejection.http_status());
                }
                Some(_) | None => {}
            },
            _ = tokio::signal::ctrl_c() => return Ok(()),
        }
    }
}

/// Links the create `delivery` names, and says what came of it.
async fn report_link(client: &Client, delivery: &kie_suno::callback::Delivery) {
    let task = &delivery.callback.task_id;
    match kie_suno::callback::link(client, delivery).await {
        Ok(Linked::Found { task_id, .. }) => tell!(
            "found the task of a create whose answer was lost: {task_id} (now in the journal; \
             `suno resume` follows it)"
        ),
        Ok(Linked::NotLinked { reason }) => {
            tell!("a callback about {task} names a create of the journal, not linked: {reason}")
        }
        Ok(_) => {}
        Err(e) => tell!("could not link the create of a callback about {task}: {e}"),
    }
}
