//! The schema: its versions, each one's step from the one before, applied
//! on open by one process at a time (under an advisory lock), and the
//! journal's fingerprint key, made by the first process to open it.

use tokio_postgres::Client;

use super::PostgresJournal;
use crate::journal::{FingerprintKey, JournalError};

/// The schema version this code writes.
const SCHEMA_VERSION: i32 = 6;

/// Each version's step from the one before.
const MIGRATIONS: &[(i32, &str)] = &[
    (
        1,
        "CREATE TABLE kie_suno_creates (
        intent      text PRIMARY KEY,
        kind        text NOT NULL,
        operation   text NOT NULL,
        fingerprint text NOT NULL,
        created_at  timestamptz NOT NULL DEFAULT now(),
        state       text NOT NULL,
        task_id     text,
        status      text,
        detail      text,
        updated_at  timestamptz NOT NULL DEFAULT now(),
        holder      text,
        lease_until timestamptz,
        reported_at timestamptz,
        reported_by text
    );
    CREATE INDEX kie_suno_creates_by_task ON kie_suno_creates (kind, task_id);
    CREATE INDEX kie_suno_creates_to_claim ON kie_suno_creates (created_at)
        WHERE reported_at IS NULL AND task_id IS NOT NULL;
    CREATE TABLE kie_suno_files (
        task_id  text NOT NULL,
        path     text NOT NULL,
        bytes    bigint NOT NULL,
        saved_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (task_id, path)
    );
    CREATE TABLE kie_suno_callbacks (
        id          bigserial PRIMARY KEY,
        kind        text NOT NULL,
        task_id     text NOT NULL,
        claim       text NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now()
    );",
    ),
    (
        2,
        "CREATE TABLE kie_suno_create_turns (at timestamptz NOT NULL);
    CREATE INDEX kie_suno_create_turns_by_time ON kie_suno_create_turns (at);",
    ),
    (
        3,
        "CREATE TABLE kie_suno_meta (name text PRIMARY KEY, value bytea NOT NULL);",
    ),
    (4, super::drift::TABLES),
    (
        5,
        // The list of unfinished tasks reads only their rows; the
        // condition is the one `entries(false)` writes, word for word.
        "CREATE INDEX kie_suno_creates_unfinished ON kie_suno_creates (created_at DESC, intent)
             WHERE state NOT IN ('refused', 'completed', 'failed');",
    ),
    (
        6,
        // A turn is in flight until its create is answered; its window
        // then runs from the answer (`turns.rs`).
        "ALTER TABLE kie_suno_create_turns
             ADD COLUMN holder text,
             ADD COLUMN answered boolean NOT NULL DEFAULT true;",
    ),
];

impl PostgresJournal {
    /// Creates or migrates the schema, one process at a time.
    pub(super) async fn migrate(&self) -> Result<(), JournalError> {
        let found = self
            .run(|client| async move {
                client
                    .batch_execute(
                        "SELECT pg_advisory_lock(7164402711);
                         CREATE TABLE IF NOT EXISTS kie_suno_schema (version integer NOT NULL)",
                    )
                    .await?;
                let result = migrate(&client).await;
                client
                    .batch_execute("SELECT pg_advisory_unlock(7164402711)")
                    .await?;
                result
            })
            .await?;
        if found > SCHEMA_VERSION {
            return Err(self.error(&format!(
                "its schema is version {found}, newer than this kie-suno's {SCHEMA_VERSION}; upgrade kie-suno"
            )));
        }
        Ok(())
    }

    /// The journal's fingerprint key: made by the first process to open
    /// it, read by every other.
    pub(super) async fn fingerprint_key(&self) -> Result<FingerprintKey, JournalError> {
        let fresh = FingerprintKey::random();
        let bytes: Vec<u8> = self
            .run(|client| {
                let fresh = fresh.as_bytes().to_vec();
                async move {
                    client
                        .execute(
                            "INSERT INTO kie_suno_meta (name, value) VALUES ('fingerprint_key', $1)
                             ON CONFLICT (name) DO NOTHING",
                            &[&fresh],
                        )
                        .await?;
                    let row = client
                        .query_one(
                            "SELECT value FROM kie_suno_meta WHERE name = 'fingerprint_key'",
                            &[],
                        )
                        .await?;
                    Ok(row.get(0))
                }
            })
            .await?;
        FingerprintKey::from_bytes(&bytes)
            .ok_or_else(|| self.error(&"its fingerprint key is not 32 bytes"))
    }
}

/// Applies the migrations the database lacks; returns the version found.
async fn migrate(client: &Client) -> Result<i32, tokio_postgres::Error> {
    let found: i32 = client
        .query_opt("SELECT version FROM kie_suno_schema", &[])
        .await?
        .map_or(0, |row| row.get(0));
    if found >= SCHEMA_VERSION {
        return Ok(found);
    }
    let mut script = String::from("BEGIN;");
    for (to, step) in MIGRATIONS.iter().filter(|(to, _)| *to > found) {
        script.push_str(step);
        script.push_str(&format!(
            ";DELETE FROM kie_suno_schema; INSERT INTO kie_suno_schema VALUES ({to});"
        ));
    }
    script.push_str("COMMIT;");
    client.batch_execute(&script).await?;
    Ok(found)
}
