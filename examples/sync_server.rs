//! A minimal server handler for `POST /v1/{project_id}/images/{image_id}/sync`.
//!
//! The handler is the whole straight line a real server needs around the crate:
//!
//! 1. parse the path ([`SyncRequest::from_path`]);
//! 2. read what the store holds under `(project_id, image_id)` and what the registry says;
//! 3. let [`sync_image`] decide (401/403/404) and reconcile;
//! 4. write the corrected record **only if the stored record is still the one that was read**
//!    (compare-and-swap with [`Precondition::holds_for`]); if another request changed it in
//!    between, start again from what is stored now, never write over it.
//!
//! The store and the registry are in-memory maps; a store hook plays "another request" that
//! deletes the image while a sync is between its read and its write. `main` runs the scenario,
//! prints what happened and asserts that the concurrent delete survives.
//!
//! Run it with `cargo run --example sync_server`; `cargo test` runs the same scenario as a test.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use image_lifecycle::{
    sync_image, Caller, ErrorBody, Image, ImageId, ImageStatus, Outcome, Permission, Permissions, Precondition,
    ProjectId, Reconciliation, StoredImage, SyncError, SyncRequest, Unauthenticated,
};
use serde_json::json;

type Records = HashMap<(ProjectId, ImageId), Image>;

/// Something that happens to the records right after the store's next read.
type Interleaving = Box<dyn FnOnce(&mut Records, &mut Vec<String>) + Send>;

/// The records, keyed by (project, image id) as the service keys them, and a log of what the
/// store did.
#[derive(Default)]
struct Store {
    records: Mutex<Records>,
    log: Mutex<Vec<String>>,
    /// Runs once, inside the store, right after the next read: another request's update landing
    /// between this request's read and its write.
    after_next_read: Mutex<Option<Interleaving>>,
}

/// The write was refused: the stored record is no longer the one that was reconciled.
#[derive(Debug)]
struct Changed;

/// Locks, ignoring poisoning: the maps stay consistent because every update is one insert.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Store {
    fn insert(&self, project: &str, record: Image) {
        lock(&self.records).insert((project_id(project), record.id), record);
    }

    fn get(&self, project: &ProjectId, id: ImageId) -> Option<Image> {
        lock(&self.records).get(&(project.clone(), id)).cloned()
    }

    /// What is stored under the request's key, with the key's project as its owner.
    fn read(&self, request: &SyncRequest) -> Option<StoredImage> {
        let mut records = lock(&self.records);
        let mut log = lock(&self.log);
        let key = (request.project_id.clone(), request.image_id);
        let found = records.get(&key).cloned();
        log.push(format!("store: read {} -> {}", request.image_id, describe(found.as_ref())));
        if let Some(interleave) = lock(&self.after_next_read).take() {
            interleave(&mut records, &mut log);
        }
        found.map(|image| StoredImage::new(request.project_id.clone(), image))
    }

    /// Compare-and-swap: stores `result.record` only if the stored record still matches
    /// `result.precondition`.
    fn write_if_unchanged(&self, project: &ProjectId, result: &Reconciliation) -> Result<(), Changed> {
        let mut records = lock(&self.records);
        let mut log = lock(&self.log);
        let key = (project.clone(), result.record.id);
        let current = records.get(&key);
        if !current.is_some_and(|current| result.precondition.holds_for(current)) {
            log.push(format!(
                "store: write of {} -> {} REFUSED: it was reconciled from {}, but the store now holds {}",
                result.record.id,
                describe(Some(&result.record)),
                describe_precondition(&result.precondition),
                describe(current),
            ));
            return Err(Changed);
        }
        log.push(format!("store: wrote {} -> {}", result.record.id, describe(Some(&result.record))));
        records.insert(key, result.record.clone());
        Ok(())
    }
}

/// What the registry (the source of truth) has, by image id.
type Registry = HashMap<ImageId, Image>;

/// An HTTP answer.
#[derive(Debug)]
struct Response {
    status: u16,
    body: serde_json::Value,
}

impl Response {
    fn error(status: u16, body: &ErrorBody) -> Self {
        Self { status, body: json!(body) }
    }

    fn refused(error: &SyncError) -> Self {
        Self::error(error.status(), &error.error_body())
    }
}

/// How often a sync starts again after its write was refused, before giving up.
const MAX_ATTEMPTS: usize = 3;

/// `POST {path}` by `caller`.
fn handle(store: &Store, registry: &Registry, caller: &Caller, path: &str) -> Response {
    let request = match SyncRequest::from_path(path) {
        Ok(request) => request,
        // The service's published code for a bad parameter; not one of `SyncError`'s.
        Err(error) => return Response::error(400, &ErrorBody::new("ModelArts.0104", error.to_string())),
    };
    for _ in 0..MAX_ATTEMPTS {
        let stored = store.read(&request);
        let truth = registry.get(&request.image_id).cloned();
        let result = match sync_image(&request, caller, stored, truth) {
            Ok(result) => result,
            Err(error) => return Response::refused(&error),
        };
        if result.changed.is_empty() || store.write_if_unchanged(&request.project_id, &result).is_ok() {
            lock(&store.log).push(format!("handler: 200, outcome {} ({})", result.outcome, result.reason));
            return Response { status: 200, body: json!(result.record) };
        }
    }
    // Every attempt lost the race: tell the client to try again. This code is the example's own.
    Response::error(409, &ErrorBody::new("ModelArts.7409", "the image changed while it was being synced; retry"))
}

fn project_id(id: &str) -> ProjectId {
    ProjectId::new(id).unwrap_or_else(|error| panic!("example project id {id:?}: {error}"))
}

fn describe(record: Option<&Image>) -> String {
    match record {
        None => "nothing".to_owned(),
        Some(record) => format!(
            "{} (update_at {})",
            record.status.as_ref().map_or("no status", ImageStatus::as_str),
            record.update_at.map_or(0, image_lifecycle::to_millis)
        ),
    }
}

fn describe_precondition(precondition: &Precondition) -> String {
    format!(
        "{} (update_at {})",
        precondition.status.as_ref().map_or("no status", ImageStatus::as_str),
        precondition.update_at.map_or(0, image_lifecycle::to_millis)
    )
}

fn record(value: serde_json::Value) -> Image {
    serde_json::from_value(value).unwrap_or_else(|error| panic!("example record: {error}"))
}

const BUILDING: &str = "278e88d1-5b71-4766-8502-b3ba72e824d9";
const RACED: &str = "5a1f0c2e-9d3b-4c41-8a6e-7f0e1d2c3b4a";
const PRIVATE_OF_B: &str = "0b9a1c3e-6f2d-4e5a-9b8c-1d2e3f4a5b6c";
const PUBLIC_OF_B: &str = "c3d4e5f6-a7b8-4c9d-8e0f-1a2b3c4d5e6f";

fn main() {
    let store = Store::default();
    let mut registry = Registry::new();
    // proj-a's images: one stuck in CREATING, one about to race with a delete.
    for id in [BUILDING, RACED] {
        let stuck =
            json!({"id": id, "type": "DEDICATED", "visibility": "PRIVATE", "status": "CREATING", "update_at": 1_000});
        let built =
            json!({"id": id, "status": "ACTIVE", "swr_path": format!("swr.example.com/a/{id}:1"), "update_at": 2_000});
        store.insert("proj-a", record(stuck));
        registry.insert(record(built.clone()).id, record(built));
    }
    // proj-b's images: one private, one public.
    for (id, visibility) in [(PRIVATE_OF_B, "PRIVATE"), (PUBLIC_OF_B, "PUBLIC")] {
        let active = json!({"id": id, "type": "DEDICATED", "visibility": visibility, "status": "ACTIVE"});
        store.insert("proj-b", record(active.clone()));
        registry.insert(record(active.clone()).id, record(active));
    }

    let alice = Caller::authenticated(project_id("proj-a"), Permission::Sync.into());
    let reader = Caller::authenticated(project_id("proj-a"), Permissions::NONE);
    let anonymous = Caller::unauthenticated(Unauthenticated::ExpiredCredentials);
    let path = |project: &str, id: &str| format!("/v1/{project}/images/{id}/sync");
    let answer = |caller: &Caller, path: &str, expected: u16| {
        let response = handle(&store, &registry, caller, path);
        println!("POST {path}\n  -> {} {}", response.status, response.body);
        assert_eq!(response.status, expected, "{path}: {}", response.body);
        response
    };

    println!("== who may sync what");
    answer(&anonymous, &path("proj-a", BUILDING), 401);
    answer(&reader, &path("proj-a", BUILDING), 403);
    answer(&alice, &path("proj-b", PRIVATE_OF_B), 404);
    answer(&alice, &path("proj-b", PUBLIC_OF_B), 403);
    answer(&alice, &path("proj-a", PRIVATE_OF_B), 404);
    answer(&alice, "/v1/proj-a/images/not-a-uuid/sync", 400);

    println!("\n== a sync with nobody in the way: the record is repaired and written");
    let repaired = answer(&alice, &path("proj-a", BUILDING), 200);
    assert_eq!(repaired.body["status"], "ACTIVE");
    let building = ImageId::new(BUILDING).unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(store.get(&project_id("proj-a"), building).and_then(|image| image.status), Some(ImageStatus::Active));

    println!("\n== a sync racing a delete: the delete lands between the sync's read and its write");
    let raced = ImageId::new(RACED).unwrap_or_else(|error| panic!("{error}"));
    *lock(&store.after_next_read) = Some(Box::new(move |records: &mut Records, log: &mut Vec<String>| {
        let Some(image) = records.get_mut(&(project_id("proj-a"), raced)) else { return };
        image.status = Some(ImageStatus::Deleted);
        image.update_at = image_lifecycle::from_millis(3_000);
        log.push(format!("another request: deleted {raced} -> {}", describe(Some(image))));
    }));
    lock(&store.log).clear();
    let response = answer(&alice, &path("proj-a", RACED), 200);
    for line in lock(&store.log).iter() {
        println!("  {line}");
    }

    let stored = store.get(&project_id("proj-a"), raced);
    assert_eq!(stored.as_ref().and_then(|image| image.status.clone()), Some(ImageStatus::Deleted));
    assert_eq!(stored.and_then(|image| image.update_at), image_lifecycle::from_millis(3_000));
    assert_eq!(response.body["status"], "DELETED", "the answer is the record as stored, never brought back");
    let log = lock(&store.log);
    assert_eq!(log.iter().filter(|line| line.contains("REFUSED")).count(), 1, "the stale write was refused");
    assert!(!log.iter().any(|line| line.starts_with("store: wrote")), "nothing was written over the delete");
    assert!(log.iter().any(|line| line.contains(Outcome::Conflict.as_str())), "the report names the conflict");
    println!("\nThe concurrent delete was not overwritten: {RACED} is still DELETED.");
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_scenario_holds() {
        super::main();
    }
}
