//! The access rules of `sync_image`: the exhaustive table, the error-code table, and properties.

use std::collections::BTreeSet;

use image_lifecycle::{
    authorize_sync, sync_image, Authoritative, Caller, ErrorBody, Image, ImageId, ImageStatus, ImageType, Outcome,
    Permission, Permissions, ProjectId, Reconciliation, StoredImage, SyncError, SyncRequest, Unauthenticated,
    Visibility,
};
use proptest::prelude::*;

const IMAGE: &str = "278e88d1-5b71-4766-8502-b3ba72e824d9";
const OTHER_IMAGE: &str = "0b9a1c3e-0000-4000-8000-000000000001";
const CALLER_PROJECT: &str = "proj-a";
const OTHER_PROJECT: &str = "proj-b";

fn project(id: &str) -> ProjectId {
    ProjectId::new(id).unwrap()
}

fn image_id(id: &str) -> ImageId {
    ImageId::new(id).unwrap()
}

/// Every combination the issue names, with the answer the rules give. Columns:
/// authenticated? · the image's project relative to the caller's · `type` · `visibility`
/// (`unknown` is run twice: absent, and the unrecognised value `HIDDEN`) · holds the `sync`
/// permission? · is there a stored record? · HTTP status · error code.
///
/// The caller is always of project `proj-a`; the request addresses, and the record is stored
/// under, `proj-a` (same) or `proj-b` (other). The registry has the image in every row, so a
/// 404 is never explained by the truth.
const TABLE: &str = "
    # not authenticated: 401 whatever else (the project a stranger claims is not believed)
    no   same   BUILD_IN   PRIVATE  yes   present  401  ModelArts.7411
    no   same   BUILD_IN   PRIVATE  yes   absent   401  ModelArts.7411
    no   same   BUILD_IN   PRIVATE  no    present  401  ModelArts.7411
    no   same   BUILD_IN   PRIVATE  no    absent   401  ModelArts.7411
    no   same   BUILD_IN   PUBLIC   yes   present  401  ModelArts.7411
    no   same   BUILD_IN   PUBLIC   yes   absent   401  ModelArts.7411
    no   same   BUILD_IN   PUBLIC   no    present  401  ModelArts.7411
    no   same   BUILD_IN   PUBLIC   no    absent   401  ModelArts.7411
    no   same   BUILD_IN   unknown  yes   present  401  ModelArts.7411
    no   same   BUILD_IN   unknown  yes   absent   401  ModelArts.7411
    no   same   BUILD_IN   unknown  no    present  401  ModelArts.7411
    no   same   BUILD_IN   unknown  no    absent   401  ModelArts.7411
    no   same   DEDICATED  PRIVATE  yes   present  401  ModelArts.7411
    no   same   DEDICATED  PRIVATE  yes   absent   401  ModelArts.7411
    no   same   DEDICATED  PRIVATE  no    present  401  ModelArts.7411
    no   same   DEDICATED  PRIVATE  no    absent   401  ModelArts.7411
    no   same   DEDICATED  PUBLIC   yes   present  401  ModelArts.7411
    no   same   DEDICATED  PUBLIC   yes   absent   401  ModelArts.7411
    no   same   DEDICATED  PUBLIC   no    present  401  ModelArts.7411
    no   same   DEDICATED  PUBLIC   no    absent   401  ModelArts.7411
    no   same   DEDICATED  unknown  yes   present  401  ModelArts.7411
    no   same   DEDICATED  unknown  yes   absent   401  ModelArts.7411
    no   same   DEDICATED  unknown  no    present  401  ModelArts.7411
    no   same   DEDICATED  unknown  no    absent   401  ModelArts.7411
    no   other  BUILD_IN   PRIVATE  yes   present  401  ModelArts.7411
    no   other  BUILD_IN   PRIVATE  yes   absent   401  ModelArts.7411
    no   other  BUILD_IN   PRIVATE  no    present  401  ModelArts.7411
    no   other  BUILD_IN   PRIVATE  no    absent   401  ModelArts.7411
    no   other  BUILD_IN   PUBLIC   yes   present  401  ModelArts.7411
    no   other  BUILD_IN   PUBLIC   yes   absent   401  ModelArts.7411
    no   other  BUILD_IN   PUBLIC   no    present  401  ModelArts.7411
    no   other  BUILD_IN   PUBLIC   no    absent   401  ModelArts.7411
    no   other  BUILD_IN   unknown  yes   present  401  ModelArts.7411
    no   other  BUILD_IN   unknown  yes   absent   401  ModelArts.7411
    no   other  BUILD_IN   unknown  no    present  401  ModelArts.7411
    no   other  BUILD_IN   unknown  no    absent   401  ModelArts.7411
    no   other  DEDICATED  PRIVATE  yes   present  401  ModelArts.7411
    no   other  DEDICATED  PRIVATE  yes   absent   401  ModelArts.7411
    no   other  DEDICATED  PRIVATE  no    present  401  ModelArts.7411
    no   other  DEDICATED  PRIVATE  no    absent   401  ModelArts.7411
    no   other  DEDICATED  PUBLIC   yes   present  401  ModelArts.7411
    no   other  DEDICATED  PUBLIC   yes   absent   401  ModelArts.7411
    no   other  DEDICATED  PUBLIC   no    present  401  ModelArts.7411
    no   other  DEDICATED  PUBLIC   no    absent   401  ModelArts.7411
    no   other  DEDICATED  unknown  yes   present  401  ModelArts.7411
    no   other  DEDICATED  unknown  yes   absent   401  ModelArts.7411
    no   other  DEDICATED  unknown  no    present  401  ModelArts.7411
    no   other  DEDICATED  unknown  no    absent   401  ModelArts.7411
    # the caller's own project: no permission is 403, then absent 404, BUILD_IN 403, else 200
    yes  same   BUILD_IN   PRIVATE  yes   present  403  ModelArts.7432
    yes  same   BUILD_IN   PRIVATE  yes   absent   404  ModelArts.7441
    yes  same   BUILD_IN   PRIVATE  no    present  403  ModelArts.7431
    yes  same   BUILD_IN   PRIVATE  no    absent   403  ModelArts.7431
    yes  same   BUILD_IN   PUBLIC   yes   present  403  ModelArts.7432
    yes  same   BUILD_IN   PUBLIC   yes   absent   404  ModelArts.7441
    yes  same   BUILD_IN   PUBLIC   no    present  403  ModelArts.7431
    yes  same   BUILD_IN   PUBLIC   no    absent   403  ModelArts.7431
    yes  same   BUILD_IN   unknown  yes   present  403  ModelArts.7432
    yes  same   BUILD_IN   unknown  yes   absent   404  ModelArts.7441
    yes  same   BUILD_IN   unknown  no    present  403  ModelArts.7431
    yes  same   BUILD_IN   unknown  no    absent   403  ModelArts.7431
    yes  same   DEDICATED  PRIVATE  yes   present  200  -
    yes  same   DEDICATED  PRIVATE  yes   absent   404  ModelArts.7441
    yes  same   DEDICATED  PRIVATE  no    present  403  ModelArts.7431
    yes  same   DEDICATED  PRIVATE  no    absent   403  ModelArts.7431
    yes  same   DEDICATED  PUBLIC   yes   present  200  -
    yes  same   DEDICATED  PUBLIC   yes   absent   404  ModelArts.7441
    yes  same   DEDICATED  PUBLIC   no    present  403  ModelArts.7431
    yes  same   DEDICATED  PUBLIC   no    absent   403  ModelArts.7431
    yes  same   DEDICATED  unknown  yes   present  200  -
    yes  same   DEDICATED  unknown  yes   absent   404  ModelArts.7441
    yes  same   DEDICATED  unknown  no    present  403  ModelArts.7431
    yes  same   DEDICATED  unknown  no    absent   403  ModelArts.7431
    # another project: not PUBLIC (PRIVATE or unknown) or absent is 404, PUBLIC is 403
    yes  other  BUILD_IN   PRIVATE  yes   present  404  ModelArts.7441
    yes  other  BUILD_IN   PRIVATE  yes   absent   404  ModelArts.7441
    yes  other  BUILD_IN   PRIVATE  no    present  404  ModelArts.7441
    yes  other  BUILD_IN   PRIVATE  no    absent   404  ModelArts.7441
    yes  other  BUILD_IN   PUBLIC   yes   present  403  ModelArts.7432
    yes  other  BUILD_IN   PUBLIC   yes   absent   404  ModelArts.7441
    yes  other  BUILD_IN   PUBLIC   no    present  403  ModelArts.7432
    yes  other  BUILD_IN   PUBLIC   no    absent   404  ModelArts.7441
    yes  other  BUILD_IN   unknown  yes   present  404  ModelArts.7441
    yes  other  BUILD_IN   unknown  yes   absent   404  ModelArts.7441
    yes  other  BUILD_IN   unknown  no    present  404  ModelArts.7441
    yes  other  BUILD_IN   unknown  no    absent   404  ModelArts.7441
    yes  other  DEDICATED  PRIVATE  yes   present  404  ModelArts.7441
    yes  other  DEDICATED  PRIVATE  yes   absent   404  ModelArts.7441
    yes  other  DEDICATED  PRIVATE  no    present  404  ModelArts.7441
    yes  other  DEDICATED  PRIVATE  no    absent   404  ModelArts.7441
    yes  other  DEDICATED  PUBLIC   yes   present  403  ModelArts.7433
    yes  other  DEDICATED  PUBLIC   yes   absent   404  ModelArts.7441
    yes  other  DEDICATED  PUBLIC   no    present  403  ModelArts.7433
    yes  other  DEDICATED  PUBLIC   no    absent   404  ModelArts.7441
    yes  other  DEDICATED  unknown  yes   present  404  ModelArts.7441
    yes  other  DEDICATED  unknown  yes   absent   404  ModelArts.7441
    yes  other  DEDICATED  unknown  no    present  404  ModelArts.7441
    yes  other  DEDICATED  unknown  no    absent   404  ModelArts.7441
";

/// The same rules for `type`s the table above leaves out: absent, or a value this crate does
/// not know (`SYSTEM`). Within the caller's own project they fail closed (403); for another
/// project, visibility still decides first.
const UNRECOGNIZED_TYPE_TABLE: &str = "
    yes  same   absent     PRIVATE  yes   present  403  ModelArts.7434
    yes  same   absent     PUBLIC   yes   present  403  ModelArts.7434
    yes  same   absent     unknown  yes   present  403  ModelArts.7434
    yes  same   SYSTEM     PRIVATE  yes   present  403  ModelArts.7434
    yes  same   SYSTEM     PUBLIC   yes   present  403  ModelArts.7434
    yes  same   SYSTEM     unknown  yes   present  403  ModelArts.7434
    yes  same   absent     PRIVATE  no    present  403  ModelArts.7431
    yes  same   SYSTEM     PUBLIC   no    present  403  ModelArts.7431
    yes  other  absent     PRIVATE  yes   present  404  ModelArts.7441
    yes  other  absent     PUBLIC   yes   present  403  ModelArts.7433
    yes  other  absent     unknown  yes   present  404  ModelArts.7441
    yes  other  SYSTEM     PRIVATE  no    present  404  ModelArts.7441
    yes  other  SYSTEM     PUBLIC   no    present  403  ModelArts.7433
    yes  other  SYSTEM     unknown  no    present  404  ModelArts.7441
";

/// One row of a table.
#[derive(Debug)]
struct Row<'a> {
    line: &'a str,
    authenticated: bool,
    same_project: bool,
    image_type: &'a str,
    visibility: &'a str,
    can_sync: bool,
    present: bool,
    status: u16,
    code: &'a str,
}

fn yes_no(cell: &str, line: &str) -> bool {
    match cell {
        "yes" => true,
        "no" => false,
        other => panic!("row {line:?}: expected yes or no, found {other:?}"),
    }
}

fn rows(table: &str) -> Vec<Row<'_>> {
    table
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|line| {
            let cells: Vec<&str> = line.split_whitespace().collect();
            let [auth, project, image_type, visibility, can_sync, record, status, code] = cells[..] else {
                panic!("row {line:?}: expected 8 cells");
            };
            Row {
                line,
                authenticated: yes_no(auth, line),
                same_project: match project {
                    "same" => true,
                    "other" => false,
                    other => panic!("row {line:?}: project {other:?}"),
                },
                image_type,
                visibility,
                can_sync: yes_no(can_sync, line),
                present: match record {
                    "present" => true,
                    "absent" => false,
                    other => panic!("row {line:?}: record {other:?}"),
                },
                status: status.parse().unwrap(),
                code,
            }
        })
        .collect()
}

fn image_type(cell: &str) -> Option<ImageType> {
    match cell {
        "absent" => None,
        wire => Some(wire.parse().unwrap()),
    }
}

/// `unknown` stands for both forms a visibility the rules cannot confirm takes.
fn visibilities(cell: &str) -> Vec<Option<Visibility>> {
    match cell {
        "unknown" => vec![None, Some("HIDDEN".parse().unwrap())],
        wire => vec![Some(wire.parse().unwrap())],
    }
}

/// A record stuck in `CREATING` that the registry has as `ACTIVE`.
fn stuck_record(image_type: Option<ImageType>, visibility: Option<Visibility>) -> Image {
    let mut record = Image::new(image_id(IMAGE));
    record.image_type = image_type;
    record.visibility = visibility;
    record.status = Some(ImageStatus::Creating);
    record
}

fn registry_view(record: &Image) -> Image {
    let mut truth = record.clone();
    truth.status = Some(ImageStatus::Active);
    truth.swr_path = Some("swr.example.com/team/image:1".to_owned());
    truth
}

fn permissions(can_sync: bool) -> Permissions {
    if can_sync {
        Permission::Sync.into()
    } else {
        Permissions::NONE
    }
}

fn run_row(row: &Row<'_>, visibility: Option<Visibility>) -> Result<Reconciliation, SyncError> {
    let address = project(if row.same_project { CALLER_PROJECT } else { OTHER_PROJECT });
    let caller = if row.authenticated {
        Caller::authenticated(project(CALLER_PROJECT), permissions(row.can_sync))
    } else {
        Caller::unauthenticated(Unauthenticated::MissingCredentials)
    };
    let record = stuck_record(image_type(row.image_type), visibility);
    let truth = registry_view(&record);
    let stored = row.present.then(|| StoredImage::new(address.clone(), record));
    let request = SyncRequest::new(address, image_id(IMAGE));
    sync_image(&request, &caller, stored, truth)
}

fn check_table(table: &str) -> usize {
    let mut checked = 0;
    for row in rows(table) {
        for visibility in visibilities(row.visibility) {
            let context = format!("row {:?} (visibility {visibility:?})", row.line);
            match run_row(&row, visibility) {
                Ok(result) => {
                    assert_eq!((row.status, row.code), (200, "-"), "{context}: answered 200");
                    assert_eq!(result.outcome, Outcome::Corrected, "{context}");
                    assert_eq!(result.record.status, Some(ImageStatus::Active), "{context}");
                }
                Err(error) => {
                    assert_eq!((error.status(), error.code()), (row.status, row.code), "{context}: {error}");
                    assert_eq!(error.error_body().error_code, row.code, "{context}");
                }
            }
            checked += 1;
        }
    }
    checked
}

#[test]
fn the_table_covers_every_combination_exactly_once() {
    let keys: Vec<_> = rows(TABLE)
        .iter()
        .map(|row| (row.authenticated, row.same_project, row.image_type, row.visibility, row.can_sync, row.present))
        .collect();
    let distinct: BTreeSet<_> = keys.iter().copied().collect();
    assert_eq!(distinct.len(), keys.len(), "a combination is listed twice");
    let mut every = BTreeSet::new();
    for authenticated in [false, true] {
        for same_project in [false, true] {
            for image_type in ["BUILD_IN", "DEDICATED"] {
                for visibility in ["PRIVATE", "PUBLIC", "unknown"] {
                    for can_sync in [false, true] {
                        for present in [false, true] {
                            every.insert((authenticated, same_project, image_type, visibility, can_sync, present));
                        }
                    }
                }
            }
        }
    }
    assert_eq!(distinct, every);
    assert_eq!(keys.len(), 96);
}

#[test]
fn every_row_of_the_table_gets_its_answer() {
    // 96 rows, the 32 with `unknown` visibility run twice.
    assert_eq!(check_table(TABLE), 128);
}

#[test]
fn an_absent_or_unknown_type_fails_closed() {
    assert_eq!(check_table(UNRECOGNIZED_TYPE_TABLE), 18);
}

// ---------------------------------------------------------------------------------------------
// The error-code table of `SyncError`'s docs.

/// A record of image `id` stored under `owner`, of `type` `image_type` and `PUBLIC`.
fn public(owner: &str, id: &str, image_type: &str) -> Option<StoredImage> {
    let mut record = Image::new(image_id(id));
    record.image_type = Some(image_type.parse().unwrap());
    record.visibility = Some(Visibility::Public);
    Some(StoredImage::new(project(owner), record))
}

fn refusal(caller: &Caller, stored: Option<StoredImage>, truth: impl Into<Authoritative>) -> SyncError {
    let request = SyncRequest::new(project(CALLER_PROJECT), image_id(IMAGE));
    sync_image(&request, caller, stored, truth).unwrap_err()
}

/// One refusal of each kind, with the status and code of the table in `SyncError`'s docs.
fn every_kind() -> Vec<(u16, &'static str, SyncError)> {
    use Unauthenticated::{ExpiredCredentials, InvalidCredentials, MissingCredentials};
    let anonymous = Caller::unauthenticated;
    let owner = Caller::authenticated(project(CALLER_PROJECT), Permission::Sync.into());
    let no_permission = Caller::authenticated(project(CALLER_PROJECT), Permissions::NONE);
    let stranger = Caller::authenticated(project(OTHER_PROJECT), Permission::Sync.into());
    let own = |image_type| public(CALLER_PROJECT, IMAGE, image_type);
    let other_image = || Image::new(image_id(OTHER_IMAGE));
    vec![
        (401, "ModelArts.7411", refusal(&anonymous(MissingCredentials), None, None)),
        (401, "ModelArts.7412", refusal(&anonymous(ExpiredCredentials), None, None)),
        (401, "ModelArts.7413", refusal(&anonymous(InvalidCredentials), None, None)),
        (403, "ModelArts.7431", refusal(&no_permission, own("DEDICATED"), None)),
        (403, "ModelArts.7432", refusal(&owner, own("BUILD_IN"), None)),
        (403, "ModelArts.7433", refusal(&stranger, own("DEDICATED"), None)),
        (403, "ModelArts.7434", refusal(&owner, own("SYSTEM"), None)),
        (404, "ModelArts.7441", refusal(&owner, None, None)),
        (500, "ModelArts.7501", refusal(&owner, public(CALLER_PROJECT, OTHER_IMAGE, "DEDICATED"), None)),
        (500, "ModelArts.7502", refusal(&owner, own("DEDICATED"), other_image())),
    ]
}

fn message(code: &str) -> String {
    let (_, _, error) = every_kind().into_iter().find(|(_, listed, _)| *listed == code).unwrap();
    error.error_body().error_msg
}

#[test]
fn every_kind_has_its_documented_status_and_code() {
    let kinds = every_kind();
    for (status, code, error) in &kinds {
        assert_eq!((error.status(), error.code()), (*status, *code), "{error:?}");
        assert_eq!(ErrorBody::from(error), error.error_body());
    }
    let codes: BTreeSet<&str> = kinds.iter().map(|(_, code, _)| *code).collect();
    assert_eq!(codes.len(), kinds.len(), "one code per kind");
}

#[test]
fn the_documented_table_is_the_code() {
    // The rows of the error-code table in `SyncError`'s docs: `/// | 401 | `ModelArts.7411` | …`.
    let documented: BTreeSet<(u16, &str)> = include_str!("../src/access.rs")
        .lines()
        .filter_map(|line| {
            let cells: Vec<&str> = line.trim().strip_prefix("/// |")?.split('|').map(str::trim).collect();
            Some((cells.first()?.parse().ok()?, cells.get(1)?.strip_prefix('`')?.strip_suffix('`')?))
        })
        .collect();
    let coded: BTreeSet<(u16, &str)> = every_kind().iter().map(|(status, code, _)| (*status, *code)).collect();
    assert_eq!(documented, coded);
}

#[test]
fn the_messages_say_what_and_which() {
    assert_eq!(message("ModelArts.7411"), "not authenticated: the request carries no credentials");
    assert_eq!(message("ModelArts.7412"), "not authenticated: the credentials have expired");
    assert_eq!(message("ModelArts.7413"), "not authenticated: the credentials are not valid");
    let permission = message("ModelArts.7431");
    assert!(permission.contains("project proj-a") && permission.contains("`sync` permission"), "{permission}");
    let built_in = message("ModelArts.7432");
    assert!(built_in.contains(IMAGE) && built_in.contains("BUILD_IN"), "{built_in}");
    assert!(message("ModelArts.7433").contains("PUBLIC image of another project"));
    assert!(message("ModelArts.7434").contains("`type` SYSTEM"));
    assert_eq!(message("ModelArts.7441"), format!("image {IMAGE} not found in project proj-a"));
}

#[test]
fn a_500_body_keeps_the_details_for_the_log() {
    for (status, _, error) in every_kind() {
        if status == 500 {
            let body = error.error_body();
            assert!(!body.error_msg.contains(IMAGE) && !body.error_msg.contains(OTHER_IMAGE), "{body:?}");
            let log = error.to_string();
            assert!(log.contains(IMAGE) && log.contains(OTHER_IMAGE), "{log}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Answers the table does not show.

#[test]
fn a_deleted_record_the_truth_still_holds_is_a_200_with_the_conflict_and_the_record_unchanged() {
    let request = SyncRequest::new(project(CALLER_PROJECT), image_id(IMAGE));
    let mut record = stuck_record(Some(ImageType::Dedicated), Some(Visibility::Private));
    record.status = Some(ImageStatus::Deleted);
    let truth = registry_view(&record);
    let caller = Caller::authenticated(project(CALLER_PROJECT), Permission::Sync.into());
    let stored = StoredImage::new(project(CALLER_PROJECT), record.clone());

    let result = sync_image(&request, &caller, Some(stored), truth).unwrap();
    assert_eq!(result.outcome, Outcome::Conflict);
    assert_eq!(result.record, record);
    assert!(result.changed.is_empty());
    assert_eq!(result.transition.to, Some(ImageStatus::Active), "the report names what the truth asked for");
}

#[test]
fn a_record_stored_under_another_key_is_a_typed_error_not_a_decision() {
    let request = SyncRequest::new(project(CALLER_PROJECT), image_id(IMAGE));
    let caller = Caller::authenticated(project(CALLER_PROJECT), Permission::Sync.into());
    let record = stuck_record(Some(ImageType::Dedicated), Some(Visibility::Private));
    for (owner, id) in [(OTHER_PROJECT, IMAGE), (CALLER_PROJECT, OTHER_IMAGE), (OTHER_PROJECT, OTHER_IMAGE)] {
        let mut record = record.clone();
        record.id = image_id(id);
        let stored = StoredImage::new(project(owner), record);
        let error = sync_image(&request, &caller, Some(stored.clone()), Authoritative::Absent).unwrap_err();
        let SyncError::StoredRecordMismatch { requested, stored_project_id, stored_image_id } = &error else {
            panic!("{owner}/{id}: {error:?}");
        };
        assert_eq!((requested, stored_project_id.as_str(), stored_image_id), (&request, owner, &image_id(id)));
        assert_eq!(authorize_sync(&request, &caller, Some(&stored)), Err(error));
    }
}

#[test]
fn a_truth_of_another_image_is_a_typed_error() {
    let request = SyncRequest::new(project(CALLER_PROJECT), image_id(IMAGE));
    let caller = Caller::authenticated(project(CALLER_PROJECT), Permission::Sync.into());
    let record = stuck_record(Some(ImageType::Dedicated), Some(Visibility::Private));
    let stored = StoredImage::new(project(CALLER_PROJECT), record);
    let error = sync_image(&request, &caller, Some(stored), Image::new(image_id(OTHER_IMAGE))).unwrap_err();
    let SyncError::TruthOfAnotherImage(identity) = &error else { panic!("{error:?}") };
    assert_eq!((identity.observed, identity.authoritative), (image_id(IMAGE), image_id(OTHER_IMAGE)));
    assert_eq!(error.status(), 500);
}

#[test]
fn an_absent_truth_of_an_active_image_is_repaired_to_error() {
    let request = SyncRequest::new(project(CALLER_PROJECT), image_id(IMAGE));
    let caller = Caller::authenticated(project(CALLER_PROJECT), Permission::Sync.into());
    let mut record = stuck_record(Some(ImageType::Dedicated), None);
    record.status = Some(ImageStatus::Active);
    let stored = StoredImage::new(project(CALLER_PROJECT), record);
    let result = sync_image(&request, &caller, Some(stored), Authoritative::Absent).unwrap();
    assert_eq!(result.record.status, Some(ImageStatus::Error));
}

#[test]
fn permissions_are_a_set() {
    assert!(Permissions::NONE.is_empty());
    assert_eq!(format!("{:?}", Permissions::NONE), "{}");
    let sync = Permissions::from(Permission::Sync);
    assert_eq!(format!("{sync:?}"), "{Sync}");
    assert_eq!(sync.iter().collect::<Vec<_>>(), [Permission::Sync]);
    assert_eq!(Permissions::NONE.with(Permission::Sync).with(Permission::Sync), sync);
    assert_eq!(Permission::Sync.to_string(), "sync");
}

#[test]
fn an_unauthenticated_caller_has_nothing() {
    let caller = Caller::unauthenticated(Unauthenticated::InvalidCredentials);
    assert!(!caller.is_authenticated());
    assert_eq!(caller.unauthenticated_reason(), Some(Unauthenticated::InvalidCredentials));
    assert_eq!((caller.project_id(), caller.permissions(), caller.can_sync()), (None, Permissions::NONE, false));
    let caller = Caller::authenticated(project(CALLER_PROJECT), Permissions::NONE);
    assert!(caller.is_authenticated() && !caller.can_sync());
    assert_eq!(caller.unauthenticated_reason(), None);
}

// ---------------------------------------------------------------------------------------------
// Properties, over small pools of projects and ids so that matches and mismatches both happen.

const PROJECTS: [&str; 3] = ["proj-a", "proj-b", "c0ffee"];
const IDS: [&str; 2] = [IMAGE, OTHER_IMAGE];

fn any_project() -> impl Strategy<Value = ProjectId> {
    prop::sample::select(&PROJECTS[..]).prop_map(project)
}

fn any_id() -> impl Strategy<Value = ImageId> {
    prop::sample::select(&IDS[..]).prop_map(image_id)
}

fn any_reason() -> impl Strategy<Value = Unauthenticated> {
    prop::sample::select(vec![
        Unauthenticated::MissingCredentials,
        Unauthenticated::ExpiredCredentials,
        Unauthenticated::InvalidCredentials,
    ])
}

fn any_caller() -> impl Strategy<Value = Caller> {
    prop_oneof![
        1 => any_reason().prop_map(Caller::unauthenticated),
        3 => (any_project(), any::<bool>()).prop_map(|(project, can_sync)| Caller::authenticated(project, permissions(can_sync))),
    ]
}

/// Any of `values` (wire spellings, known or not) read as a `T`, or none.
fn wire<T>(values: &'static [&'static str]) -> impl Strategy<Value = Option<T>>
where
    T: std::str::FromStr<Err = std::convert::Infallible> + std::fmt::Debug,
{
    prop::option::of(prop::sample::select(values).prop_map(|wire| match wire.parse::<T>() {
        Ok(value) => value,
        Err(never) => match never {},
    }))
}

/// A record of image `id` with any type, visibility and status, known or not.
fn any_record(id: ImageId) -> impl Strategy<Value = Image> {
    (
        wire::<ImageType>(&["BUILD_IN", "DEDICATED", "SYSTEM"]),
        wire::<Visibility>(&["PRIVATE", "PUBLIC", "HIDDEN"]),
        wire::<ImageStatus>(&["INIT", "CREATING", "CREATE_FAILED", "ERROR", "DELETED", "ACTIVE", "ARCHIVED"]),
        prop::option::of(-1_000_000i64..1_000_000),
    )
        .prop_map(move |(image_type, visibility, status, update_at)| {
            let mut record = Image::new(id);
            record.image_type = image_type;
            record.visibility = visibility;
            record.status = status;
            record.update_at = update_at.map(|ms| image_lifecycle::from_millis(ms).unwrap());
            record
        })
}

/// A request, and what the server passes for it: mostly the record under the request's key,
/// sometimes none, sometimes (a buggy server) a record of another key; and a truth, mostly of
/// the requested image.
fn any_inputs() -> impl Strategy<Value = (SyncRequest, Option<StoredImage>, Authoritative)> {
    (any_project(), any_id()).prop_flat_map(|(project, id)| {
        let request = SyncRequest::new(project.clone(), id);
        let stored = prop_oneof![
            6 => any_record(id).prop_map(move |record| Some(StoredImage::new(project.clone(), record))),
            2 => Just(None),
            1 => (any_project(), any_id()).prop_flat_map(|(owner, id)| any_record(id).prop_map(move |record| Some(StoredImage::new(owner.clone(), record)))),
        ];
        let truth = prop_oneof![
            6 => any_record(id).prop_map(Authoritative::Record),
            2 => Just(Authoritative::Absent),
            1 => any_id().prop_flat_map(any_record).prop_map(Authoritative::Record),
        ];
        (Just(request), stored, truth)
    })
}

fn visible_to_strangers(record: &Image) -> bool {
    record.visibility == Some(Visibility::Public)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn an_unauthenticated_caller_always_gets_401(
        reason in any_reason(),
        (request, stored, truth) in any_inputs(),
    ) {
        let caller = Caller::unauthenticated(reason);
        let error = sync_image(&request, &caller, stored, truth).unwrap_err();
        prop_assert_eq!(&error, &SyncError::Unauthenticated(reason));
        prop_assert_eq!(error.status(), 401);
    }

    #[test]
    fn another_projects_private_image_is_always_404_and_indistinguishable_from_no_image(
        caller_project in any_project(),
        can_sync in any::<bool>(),
        (request, stored, truth) in any_inputs(),
        private in prop::sample::select(vec![Some("PRIVATE"), Some("HIDDEN"), None]),
    ) {
        prop_assume!(caller_project != request.project_id);
        let caller = Caller::authenticated(caller_project, permissions(can_sync));
        let mut record = match stored { Some(stored) => stored.image, None => Image::new(request.image_id) };
        record.id = request.image_id;
        record.visibility = private.map(|wire| wire.parse().unwrap());
        let stored = StoredImage::new(request.project_id.clone(), record);

        let hidden = sync_image(&request, &caller, Some(stored), truth.clone()).unwrap_err();
        let absent = sync_image(&request, &caller, None, truth).unwrap_err();
        prop_assert_eq!(hidden.status(), 404);
        prop_assert_eq!(hidden.error_body(), absent.error_body());
        prop_assert_eq!(hidden, absent);
    }

    #[test]
    fn a_200_is_only_for_the_callers_own_dedicated_image(
        caller in any_caller(),
        (request, stored, truth) in any_inputs(),
    ) {
        let before = stored.clone();
        if let Ok(result) = sync_image(&request, &caller, stored, truth) {
            let stored = before.unwrap();
            prop_assert_eq!(caller.project_id(), Some(&stored.project_id));
            prop_assert_eq!(&stored.project_id, &request.project_id);
            prop_assert_eq!(stored.image.id, request.image_id);
            prop_assert_eq!(result.record.id, request.image_id);
            prop_assert_eq!(stored.image.image_type, Some(ImageType::Dedicated));
            prop_assert!(caller.can_sync());
        }
    }

    #[test]
    fn every_refusal_is_its_rule(
        caller in any_caller(),
        (request, stored, truth) in any_inputs(),
    ) {
        let expected = expected_status(&caller, &request, stored.as_ref(), &truth);
        let answer = sync_image(&request, &caller, stored, truth).map_or_else(|error| error.status(), |_| 200);
        prop_assert_eq!(answer, expected);
    }

    #[test]
    fn every_error_body_is_json_with_both_fields(
        caller in any_caller(),
        (request, stored, truth) in any_inputs(),
    ) {
        if let Err(error) = sync_image(&request, &caller, stored, truth) {
            let json = serde_json::to_string(&error.error_body()).unwrap();
            let value: serde_json::Value = serde_json::from_str(&json).unwrap();
            let object = value.as_object().unwrap();
            prop_assert_eq!(object.len(), 2, "{}", json);
            let code = object["error_code"].as_str().unwrap();
            prop_assert!(code.starts_with("ModelArts.") && code.len() > "ModelArts.".len(), "{}", json);
            prop_assert!(!object["error_msg"].as_str().unwrap().is_empty(), "{}", json);
            prop_assert_eq!(serde_json::from_str::<ErrorBody>(&json).unwrap(), error.error_body());
        }
    }

    #[test]
    fn authorize_sync_is_sync_image_without_the_truth(
        caller in any_caller(),
        (request, stored, truth) in any_inputs(),
    ) {
        let decision = authorize_sync(&request, &caller, stored.as_ref());
        match sync_image(&request, &caller, stored, truth) {
            Ok(_) | Err(SyncError::TruthOfAnotherImage(_)) => prop_assert_eq!(decision, Ok(())),
            Err(error) => prop_assert_eq!(decision, Err(error)),
        }
    }
}

/// The rules restated as plainly as possible, as the property's oracle.
fn expected_status(caller: &Caller, request: &SyncRequest, stored: Option<&StoredImage>, truth: &Authoritative) -> u16 {
    let Some(caller_project) = caller.project_id() else { return 401 };
    if stored.is_some_and(|stored| stored.project_id != request.project_id || stored.image.id != request.image_id) {
        return 500;
    }
    let own = *caller_project == request.project_id;
    if own && !caller.can_sync() {
        return 403;
    }
    let Some(stored) = stored else { return 404 };
    if !own && !visible_to_strangers(&stored.image) {
        return 404;
    }
    if !own || stored.image.image_type != Some(ImageType::Dedicated) {
        return 403;
    }
    match truth {
        Authoritative::Record(record) if record.id != request.image_id => 500,
        _ => 200,
    }
}
