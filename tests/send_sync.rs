//! Every public type can cross and be shared between threads (as in dtolnay's semver, whose
//! `test_autotrait.rs` this follows): a server holds records, results and errors in shared state
//! and moves them between tasks. A type that loses `Send` or `Sync` fails to compile here.
#![allow(clippy::extra_unused_type_parameters)]

use std::panic::{RefUnwindSafe, UnwindSafe};

use image_lifecycle::*;

fn assert_send_sync<T: Send + Sync>() {}

fn assert_unwind_safe<T: UnwindSafe + RefUnwindSafe>() {}

/// Calls `$check::<T>()` for every public type of the crate.
macro_rules! every_public_type {
    ($check:ident) => {
        // The record and its parts.
        $check::<Image>();
        $check::<Tag>();
        $check::<Field>();
        $check::<UnknownFields>();
        $check::<Value>();
        $check::<Number>();
        // Enums.
        $check::<Arch>();
        $check::<Spelling>();
        $check::<DevService>();
        $check::<FlavorType>();
        $check::<ImageStatus>();
        $check::<ImageType>();
        $check::<Origin>();
        $check::<ResourceCategory>();
        $check::<ServiceType>();
        $check::<Visibility>();
        $check::<Unrecognized>();
        // Identifiers and the request.
        $check::<ImageId>();
        $check::<ImageName>();
        $check::<ProjectId>();
        $check::<SyncRequest>();
        $check::<ErrorBody>();
        // Reconciliation.
        $check::<Authoritative>();
        $check::<Reconciliation>();
        $check::<ChangedFields>();
        $check::<Outcome>();
        $check::<Reason>();
        $check::<Precondition>();
        $check::<Transition>();
        $check::<TransitionKind>();
        $check::<lifecycle::TransitionKind>();
        // Bulk.
        $check::<BulkReconciler>();
        $check::<BulkResult>();
        $check::<Missing>();
        // Errors.
        $check::<BulkError>();
        $check::<IdError>();
        $check::<IdentityError>();
        $check::<PathError>();
        $check::<UnknownFieldError>();
        $check::<ValidationError>();
    };
}

#[test]
fn every_public_type_is_send_and_sync() {
    every_public_type!(assert_send_sync);
}

#[test]
fn every_public_type_is_unwind_safe() {
    every_public_type!(assert_unwind_safe);
}
