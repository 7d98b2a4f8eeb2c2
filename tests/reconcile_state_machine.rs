//! A state-machine test of sync: a store and a registry driven by random sequences of operations.
//!
//! The *reference model* ([`Model`]) holds each image's stored record and the registry's history
//! as plain statuses and millisecond timestamps, and says what every operation must do, with the
//! rules of issue 3 written out independently of the crate (its own reachability relation, its
//! own reading of R2–R8). The *system under test* ([`Platform`]) holds real [`Image`] records,
//! steps the registry with [`lifecycle::is_allowed`], guards the store with
//! [`lifecycle::is_terminal`] and syncs with [`reconcile`], writing the result only when
//! [`Precondition::holds_for`] the record as it is stored at that moment (compare-and-swap).
//!
//! After every operation the store and registry must agree with the model, and the invariants
//! hold: `DELETED` never leaves `DELETED`, `update_at` never decreases, `create_at` never changes
//! once set, a fresh sync leaves the store's status equal to the registry's except where the
//! rules say otherwise, and a sync never overwrites a concurrent write.
//!
//! Operations that the lifecycle forbids (finishing the save of a deleted image, a fault on a
//! deleted record...) are generated on purpose rather than filtered out by preconditions: once
//! an image is `DELETED` almost everything is invalid, and rejection-only preconditions would
//! make proptest give up. The model says which ones must be refused, and the platform must refuse
//! exactly those.

use image_lifecycle::lifecycle::{self, TransitionKind};
use image_lifecycle::{
    from_millis, reconcile, to_millis, Authoritative, Image, ImageId, ImageStatus, Outcome, Precondition,
    MISSING_FROM_REGISTRY,
};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use proptest_state_machine::{prop_state_machine, ReferenceStateMachine, StateMachineTest};

/// How many images the store and the registry hold.
const IMAGES: usize = 3;
/// The time everything starts at; every operation advances the clock by [`TICK`].
const START: i64 = 1_700_000_000_000;
const TICK: i64 = 1_000;
/// The store stamped its records' creation a little before the registry did (`START`): a
/// `create_at` that is set must never be replaced by the registry's (R3).
const STORE_CREATED: i64 = START - 5_000;
/// The `status_message` a failed save leaves in the registry.
const BUILD_FAILED: &str = "build failed";
/// The `status_message` a fault leaves in the store.
const FAULT: &str = "fault: lost contact with the build service";

// ---------------------------------------------------------------------------------------------
// Operations

/// A step of the lifecycle the platform takes in the registry (the build service).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Step {
    StartSave,
    FinishSave,
    FailSave,
    Delete,
}

impl Step {
    fn target(self) -> ImageStatus {
        match self {
            Step::StartSave => ImageStatus::Creating,
            Step::FinishSave => ImageStatus::Active,
            Step::FailSave => ImageStatus::CreateFailed,
            Step::Delete => ImageStatus::Deleted,
        }
    }

    fn message(self) -> Option<String> {
        (self == Step::FailSave).then(|| BUILD_FAILED.to_owned())
    }
}

/// A write to the store that lands between a sync's read and its write.
#[derive(Clone, Debug)]
enum Interference {
    Fault,
    Corrupt { status: ImageStatus, stamped: bool },
}

#[derive(Clone, Debug)]
enum Op {
    /// The registry takes `step`; the store is told unless the update is lost on the network.
    Platform { image: usize, step: Step, delivered: bool },
    /// A system fault marks the stored record `ERROR`.
    Fault { image: usize },
    /// A misoperation writes any status into the store, stamping `update_at` or not.
    Corrupt { image: usize, status: ImageStatus, stamped: bool },
    /// The registry no longer has the image.
    RegistryDrops { image: usize },
    /// The registry has the image again.
    RegistryRestores { image: usize },
    /// Sync reads the store and the registry as it was `back` versions ago (0: fresh; more: a
    /// stale snapshot), reconciles, and writes with compare-and-swap; `interference` writes the
    /// store in between.
    Sync { image: usize, back: usize, interference: Option<Interference> },
}

/// What an operation did: the model predicts it, the platform must do the same.
#[derive(Clone, Debug, PartialEq)]
enum Effect {
    /// Nothing has happened yet.
    Start,
    /// The operation was carried out; `store_written` says whether the store took a write.
    Done { store_written: bool },
    /// The lifecycle (or `DELETED` being terminal) forbids the operation.
    Refused,
    /// A sync: its outcome, and whether its result was written.
    Synced { outcome: Outcome, written: bool },
}

// ---------------------------------------------------------------------------------------------
// The reference model

/// A record as the model sees it.
#[derive(Clone, Debug, PartialEq)]
struct Rec {
    status: ImageStatus,
    update_at: i64,
    create_at: Option<i64>,
    message: Option<String>,
}

#[derive(Clone, Debug)]
struct ModelImage {
    store: Rec,
    /// Every version of the registry's record, oldest first; `None` while it has no such image.
    registry: Vec<Option<Rec>>,
}

impl ModelImage {
    fn registry_now(&self) -> Option<&Rec> {
        self.registry.last().and_then(Option::as_ref)
    }

    fn view(&self, back: usize) -> Option<Rec> {
        let index = self.registry.len().saturating_sub(1).saturating_sub(back);
        self.registry[index].clone()
    }
}

#[derive(Clone, Debug)]
struct Model {
    images: Vec<ModelImage>,
    now: i64,
    effect: Effect,
}

/// The lifecycle's reachability, written out from the issue (not read from the crate).
fn model_reaches(from: &ImageStatus, to: &ImageStatus) -> bool {
    use ImageStatus::*;
    matches!(
        (from, to),
        (Init, Creating | Active | CreateFailed | Error | Deleted)
            | (Creating, Active | CreateFailed | Error | Deleted)
            | (Active | CreateFailed, Error | Deleted)
            | (Error, Deleted)
    )
}

/// A repair: a change that is neither an advance nor a recovery (leaving ERROR or an unknown).
fn model_is_repair(from: &ImageStatus, to: &ImageStatus) -> bool {
    from != to && !model_reaches(from, to) && !matches!(from, ImageStatus::Error | ImageStatus::Unknown(_))
}

/// Whether the registry may take `step` from `status`, per the table.
fn model_step_allowed(step: Step, status: &ImageStatus) -> bool {
    use ImageStatus::*;
    match step {
        Step::StartSave => *status == Init,
        Step::FinishSave => *status == Creating,
        Step::FailSave => matches!(status, Init | Creating),
        Step::Delete => matches!(status, Init | Creating | Active | CreateFailed | Error),
    }
}

/// The rules of `reconcile`, at the level of status, timestamps and `status_message`.
fn model_reconcile(observed: &Rec, truth: Option<&Rec>) -> (Outcome, Rec) {
    let Some(truth) = truth else {
        // R7.
        if observed.status == ImageStatus::Active {
            let marked =
                Rec { status: ImageStatus::Error, message: Some(MISSING_FROM_REGISTRY.to_owned()), ..observed.clone() };
            return (Outcome::Corrected, marked);
        }
        return (Outcome::InSync, observed.clone());
    };
    // R5.
    if observed.status == ImageStatus::Deleted {
        let outcome = if truth.status == ImageStatus::Deleted { Outcome::InSync } else { Outcome::Conflict };
        return (outcome, observed.clone());
    }
    // R6.
    if model_is_repair(&observed.status, &truth.status) && truth.update_at < observed.update_at {
        return (Outcome::Stale, observed.clone());
    }
    // R2, R3, R4, R8.
    let status_changes = truth.status != observed.status;
    let result = Rec {
        status: truth.status.clone(),
        update_at: truth.update_at.max(observed.update_at),
        create_at: observed.create_at.or(truth.create_at),
        message: if status_changes {
            truth.message.clone()
        } else {
            truth.message.clone().or(observed.message.clone())
        },
    };
    let outcome = if result == *observed { Outcome::InSync } else { Outcome::Corrected };
    (outcome, result)
}

impl Model {
    /// A write to the store by the platform: refused once the record is `DELETED`.
    fn write_store(&mut self, image: usize, change: impl FnOnce(&mut Rec, i64)) -> bool {
        let now = self.now;
        let store = &mut self.images[image].store;
        if store.status == ImageStatus::Deleted {
            return false;
        }
        change(store, now);
        true
    }

    fn interfere(&mut self, image: usize, interference: &Interference) -> bool {
        match interference {
            Interference::Fault => self.write_store(image, |rec, now| {
                rec.status = ImageStatus::Error;
                rec.message = Some(FAULT.to_owned());
                rec.update_at = now;
            }),
            Interference::Corrupt { status, stamped } => self.write_store(image, |rec, now| {
                rec.status = status.clone();
                if *stamped {
                    rec.update_at = now;
                }
            }),
        }
    }

    fn step(&mut self, image: usize, step: Step, delivered: bool) -> Effect {
        let now = self.now;
        let Some(current) = self.images[image].registry_now().cloned() else { return Effect::Refused };
        if !model_step_allowed(step, &current.status) {
            return Effect::Refused;
        }
        let next = Rec { status: step.target(), update_at: now, message: step.message(), ..current };
        self.images[image].registry.push(Some(next));
        let store_written = delivered
            && self.write_store(image, |rec, now| {
                rec.status = step.target();
                rec.message = step.message();
                rec.update_at = now;
            });
        Effect::Done { store_written }
    }

    fn sync(&mut self, image: usize, back: usize, interference: Option<&Interference>) -> Effect {
        let observed = self.images[image].store.clone();
        let view = self.images[image].view(back);
        let (outcome, result) = model_reconcile(&observed, view.as_ref());
        if let Some(interference) = interference {
            self.interfere(image, interference);
        }
        let current = &mut self.images[image].store;
        let unchanged_since_read = current.status == observed.status && current.update_at == observed.update_at;
        let written = outcome == Outcome::Corrected && unchanged_since_read;
        if written {
            *current = result;
        }
        Effect::Synced { outcome, written }
    }
}

fn status_strategy() -> impl Strategy<Value = ImageStatus> {
    prop::sample::select(vec!["INIT", "CREATING", "ACTIVE", "CREATE_FAILED", "ERROR", "DELETED", "ARCHIVED"])
        .prop_map(|wire| wire.parse::<ImageStatus>().unwrap())
}

fn interference_strategy() -> impl Strategy<Value = Interference> {
    prop_oneof![
        Just(Interference::Fault),
        (status_strategy(), any::<bool>()).prop_map(|(status, stamped)| Interference::Corrupt { status, stamped }),
    ]
}

impl ReferenceStateMachine for Model {
    type State = Model;
    type Transition = Op;

    /// Every image starts `INIT` in the store and the registry; some stored records lack a
    /// `create_at`, which the first sync that applies the truth takes from the registry (R3).
    fn init_state() -> BoxedStrategy<Model> {
        prop::collection::vec(any::<bool>(), IMAGES)
            .prop_map(|has_create_at| Model {
                images: has_create_at
                    .into_iter()
                    .map(|has| {
                        let registry =
                            Rec { status: ImageStatus::Init, update_at: START, create_at: Some(START), message: None };
                        let store = Rec { create_at: has.then_some(STORE_CREATED), ..registry.clone() };
                        ModelImage { store, registry: vec![Some(registry)] }
                    })
                    .collect(),
                now: START,
                effect: Effect::Start,
            })
            .boxed()
    }

    /// Operations are drawn without looking at the state: invalid ones are part of the test.
    fn transitions(_: &Model) -> BoxedStrategy<Op> {
        let image = 0..IMAGES;
        let step = prop::sample::select(vec![Step::StartSave, Step::FinishSave, Step::FailSave, Step::Delete]);
        let back = prop_oneof![3 => Just(0usize), 1 => 1..4usize];
        prop_oneof![
            4 => (image.clone(), step, prop::bool::weighted(0.75))
                .prop_map(|(image, step, delivered)| Op::Platform { image, step, delivered }),
            1 => image.clone().prop_map(|image| Op::Fault { image }),
            1 => (image.clone(), status_strategy(), any::<bool>())
                .prop_map(|(image, status, stamped)| Op::Corrupt { image, status, stamped }),
            1 => image.clone().prop_map(|image| Op::RegistryDrops { image }),
            1 => image.clone().prop_map(|image| Op::RegistryRestores { image }),
            5 => (image, back, prop::option::weighted(0.2, interference_strategy()))
                .prop_map(|(image, back, interference)| Op::Sync { image, back, interference }),
        ]
        .boxed()
    }

    fn apply(mut state: Model, op: &Op) -> Model {
        state.now += TICK;
        state.effect = match op {
            Op::Platform { image, step, delivered } => state.step(*image, *step, *delivered),
            Op::Fault { image } => match state.interfere(*image, &Interference::Fault) {
                true => Effect::Done { store_written: true },
                false => Effect::Refused,
            },
            Op::Corrupt { image, status, stamped } => {
                let corrupt = Interference::Corrupt { status: status.clone(), stamped: *stamped };
                match state.interfere(*image, &corrupt) {
                    true => Effect::Done { store_written: true },
                    false => Effect::Refused,
                }
            }
            Op::RegistryDrops { image } => {
                let registry = &mut state.images[*image].registry;
                match registry.last() {
                    Some(Some(_)) => {
                        registry.push(None);
                        Effect::Done { store_written: false }
                    }
                    _ => Effect::Refused,
                }
            }
            Op::RegistryRestores { image } => {
                let now = state.now;
                let registry = &mut state.images[*image].registry;
                match registry.last() {
                    Some(None) => {
                        let last = registry.iter().rev().flatten().next().cloned().unwrap();
                        registry.push(Some(Rec { update_at: now, ..last }));
                        Effect::Done { store_written: false }
                    }
                    _ => Effect::Refused,
                }
            }
            Op::Sync { image, back, interference } => state.sync(*image, *back, interference.as_ref()),
        };
        state
    }
}

// ---------------------------------------------------------------------------------------------
// The system under test

fn image_id(image: usize) -> ImageId {
    let ids = [
        "278e88d1-5b71-4766-8502-b3ba72e824d9",
        "6f1c2b9e-4d3a-4c8e-9b7a-1e2d3c4b5a69",
        "0a9b8c7d-6e5f-4a3b-8c2d-1e0f9a8b7c6d",
    ];
    ids[image].parse().unwrap()
}

fn to_image(image: usize, rec: &Rec) -> Image {
    let mut record = Image::new(image_id(image));
    record.status = Some(rec.status.clone());
    record.update_at = from_millis(rec.update_at);
    record.create_at = rec.create_at.and_then(from_millis);
    record.status_message = rec.message.clone();
    record
}

fn to_rec(record: &Image) -> Rec {
    Rec {
        status: record.status.clone().expect("every record here has a status"),
        update_at: to_millis(record.update_at.expect("every record here has update_at")),
        create_at: record.create_at.map(to_millis),
        message: record.status_message.clone(),
    }
}

/// The store and the registry as real records, plus what the invariants remember of the past.
struct Platform {
    store: Vec<Image>,
    registry: Vec<Vec<Option<Image>>>,
    now: i64,
    /// Per image: whether the store ever held it `DELETED`, and its last `update_at` and
    /// `create_at`, for the invariants.
    seen_deleted: Vec<bool>,
    last_update_at: Vec<i64>,
    first_create_at: Vec<Option<i64>>,
}

impl Platform {
    /// The platform's own writes to the store (not sync's): a terminal record takes none.
    fn write_store(&mut self, image: usize, change: impl FnOnce(&mut Image, i64)) -> bool {
        let record = &mut self.store[image];
        if record.status.as_ref().is_some_and(lifecycle::is_terminal) {
            return false;
        }
        change(record, self.now);
        true
    }

    fn interfere(&mut self, image: usize, interference: &Interference) -> bool {
        match interference {
            Interference::Fault => self.write_store(image, |record, now| {
                record.status = Some(ImageStatus::Error);
                record.status_message = Some(FAULT.to_owned());
                record.update_at = from_millis(now);
            }),
            Interference::Corrupt { status, stamped } => self.write_store(image, |record, now| {
                record.status = Some(status.clone());
                if *stamped {
                    record.update_at = from_millis(now);
                }
            }),
        }
    }

    fn step(&mut self, image: usize, step: Step, delivered: bool) -> Effect {
        let Some(Some(current)) = self.registry[image].last().cloned() else { return Effect::Refused };
        let target = step.target();
        if !current.status.as_ref().is_some_and(|status| lifecycle::is_allowed(status, &target)) {
            return Effect::Refused;
        }
        let mut next = current;
        next.status = Some(target.clone());
        next.status_message = step.message();
        next.update_at = from_millis(self.now);
        self.registry[image].push(Some(next));
        let store_written = delivered
            && self.write_store(image, |record, now| {
                record.status = Some(target);
                record.status_message = step.message();
                record.update_at = from_millis(now);
            });
        Effect::Done { store_written }
    }

    fn sync(&mut self, image: usize, back: usize, interference: Option<&Interference>) -> Effect {
        let observed = self.store[image].clone();
        let history = &self.registry[image];
        let view = history[history.len().saturating_sub(1).saturating_sub(back)].clone();
        let result = reconcile(observed.clone(), Authoritative::from(view.clone())).unwrap();
        assert_eq!(result.precondition, Precondition::of(&observed), "the precondition is what was read");
        if let Some(interference) = interference {
            self.interfere(image, interference);
        }
        let current = self.store[image].clone();
        let outcome = result.outcome;
        let holds = result.precondition.holds_for(&current);
        let written = outcome == Outcome::Corrected && holds;
        if written {
            self.store[image] = result.record.clone();
        } else {
            assert_eq!(self.store[image], current, "a sync that does not write changes nothing");
        }
        if !holds {
            assert!(
                current.status != observed.status || current.update_at != observed.update_at,
                "compare-and-swap refused a write over an unchanged record"
            );
        }
        if back == 0 && interference.is_none() {
            self.check_fresh_sync(image, &observed, view.as_ref(), &result);
        }
        Effect::Synced { outcome, written }
    }

    /// A sync with the registry's current view leaves the store's status equal to the registry's,
    /// except where the rules say otherwise.
    fn check_fresh_sync(
        &self,
        image: usize,
        observed: &Image,
        truth: Option<&Image>,
        result: &image_lifecycle::Reconciliation,
    ) {
        let stored = &self.store[image];
        let was = observed.status.as_ref().unwrap();
        match truth {
            Some(truth) if *was == ImageStatus::Deleted => {
                assert_eq!(stored, observed, "R5: a DELETED record is frozen");
                let expected =
                    if truth.status == Some(ImageStatus::Deleted) { Outcome::InSync } else { Outcome::Conflict };
                assert_eq!(result.outcome, expected, "R5");
            }
            Some(truth) if result.outcome == Outcome::Stale => {
                assert!(truth.update_at < observed.update_at, "R6: only an older truth is stale");
                assert_eq!(result.transition.kind, TransitionKind::Repair, "R6: only a repair is stale");
                assert_eq!(stored, observed, "R6: nothing applied");
            }
            Some(truth) => assert_eq!(stored.status, truth.status, "the truth's status wins"),
            None if *was == ImageStatus::Active => {
                assert_eq!(stored.status, Some(ImageStatus::Error), "R7: ACTIVE and absent becomes ERROR");
                assert_eq!(stored.status_message.as_deref(), Some(MISSING_FROM_REGISTRY), "R7");
            }
            None => assert_eq!(stored, observed, "R7: anything else absent is unchanged"),
        }
    }

    /// The history invariants, checked and advanced after every operation.
    fn check_history(&mut self) {
        for image in 0..IMAGES {
            let record = &self.store[image];
            let deleted = record.status == Some(ImageStatus::Deleted);
            assert!(deleted || !self.seen_deleted[image], "image {image} left DELETED: {record:?}");
            self.seen_deleted[image] |= deleted;

            let update_at = to_millis(record.update_at.unwrap());
            assert!(update_at >= self.last_update_at[image], "image {image}: update_at went back");
            self.last_update_at[image] = update_at;

            let create_at = record.create_at.map(to_millis);
            if self.first_create_at[image].is_some() {
                assert_eq!(create_at, self.first_create_at[image], "image {image}: create_at changed");
            }
            self.first_create_at[image] = create_at;
        }
    }
}

struct SyncTest;

impl StateMachineTest for SyncTest {
    type SystemUnderTest = Platform;
    type Reference = Model;

    fn init_test(model: &Model) -> Platform {
        let store: Vec<Image> = model.images.iter().enumerate().map(|(i, m)| to_image(i, &m.store)).collect();
        Platform {
            registry: model
                .images
                .iter()
                .enumerate()
                .map(|(i, m)| m.registry.iter().map(|rec| rec.as_ref().map(|rec| to_image(i, rec))).collect())
                .collect(),
            now: model.now,
            seen_deleted: vec![false; IMAGES],
            last_update_at: store.iter().map(|record| to_millis(record.update_at.unwrap())).collect(),
            first_create_at: store.iter().map(|record| record.create_at.map(to_millis)).collect(),
            store,
        }
    }

    fn apply(mut platform: Platform, model: &Model, op: Op) -> Platform {
        platform.now += TICK;
        let effect = match &op {
            Op::Platform { image, step, delivered } => platform.step(*image, *step, *delivered),
            Op::Fault { image } => match platform.interfere(*image, &Interference::Fault) {
                true => Effect::Done { store_written: true },
                false => Effect::Refused,
            },
            Op::Corrupt { image, status, stamped } => {
                match platform.interfere(*image, &Interference::Corrupt { status: status.clone(), stamped: *stamped }) {
                    true => Effect::Done { store_written: true },
                    false => Effect::Refused,
                }
            }
            Op::RegistryDrops { image } => match platform.registry[*image].last() {
                Some(Some(_)) => {
                    platform.registry[*image].push(None);
                    Effect::Done { store_written: false }
                }
                _ => Effect::Refused,
            },
            Op::RegistryRestores { image } => {
                let now = platform.now;
                let history = &mut platform.registry[*image];
                match history.last() {
                    Some(None) => {
                        let mut back = history.iter().rev().flatten().next().cloned().unwrap();
                        back.update_at = from_millis(now);
                        history.push(Some(back));
                        Effect::Done { store_written: false }
                    }
                    _ => Effect::Refused,
                }
            }
            Op::Sync { image, back, interference } => platform.sync(*image, *back, interference.as_ref()),
        };
        assert_eq!(effect, model.effect, "{op:?}");
        platform.check_history();
        platform
    }

    fn check_invariants(platform: &Platform, model: &Model) {
        for (image, expected) in model.images.iter().enumerate() {
            assert_eq!(
                to_rec(&platform.store[image]),
                expected.store,
                "image {image}: the store disagrees with the model"
            );
            let registry: Vec<Option<Rec>> = platform.registry[image].iter().map(|r| r.as_ref().map(to_rec)).collect();
            assert_eq!(registry, expected.registry, "image {image}: the registry disagrees with the model");
        }
    }
}

prop_state_machine! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn sync_keeps_the_store_in_agreement_with_the_model(sequential 1..48 => SyncTest);
}

// ---------------------------------------------------------------------------------------------
// Scenarios: hand-written sequences through the same model and platform, with the effects the
// issue predicts.

fn start() -> Model {
    let mut runner = TestRunner::deterministic();
    let mut model = Model::init_state().new_tree(&mut runner).unwrap().current();
    for image in &mut model.images {
        image.store.create_at = Some(STORE_CREATED);
    }
    model
}

/// Runs `ops` through the model and the platform; returns the model's effects.
fn run(ops: Vec<Op>) -> Vec<Effect> {
    let initial = start();
    let effects = ops
        .iter()
        .scan(initial.clone(), |model, op| {
            *model = Model::apply(model.clone(), op);
            Some(model.effect.clone())
        })
        .collect();
    SyncTest::test_sequential(ProptestConfig::default(), initial, ops, None);
    effects
}

fn platform(step: Step, delivered: bool) -> Op {
    Op::Platform { image: 0, step, delivered }
}

fn sync(back: usize) -> Op {
    Op::Sync { image: 0, back, interference: None }
}

const DONE: Effect = Effect::Done { store_written: true };
const LOST: Effect = Effect::Done { store_written: false };

fn synced(outcome: Outcome, written: bool) -> Effect {
    Effect::Synced { outcome, written }
}

#[test]
fn a_lost_update_is_repaired_by_sync() {
    let effects = run(vec![platform(Step::StartSave, true), platform(Step::FinishSave, false), sync(0), sync(0)]);
    assert_eq!(effects, [DONE, LOST, synced(Outcome::Corrected, true), synced(Outcome::InSync, false)]);
}

#[test]
fn a_deleted_image_refuses_every_later_operation() {
    let effects = run(vec![
        platform(Step::Delete, true),
        platform(Step::FinishSave, true),
        platform(Step::FailSave, true),
        platform(Step::StartSave, true),
        platform(Step::Delete, true),
        Op::Fault { image: 0 },
        Op::Corrupt { image: 0, status: ImageStatus::Active, stamped: true },
        sync(1),
        sync(0),
    ]);
    let refused = Effect::Refused;
    assert_eq!(
        effects,
        [
            DONE,
            refused.clone(),
            refused.clone(),
            refused.clone(),
            refused.clone(),
            refused.clone(),
            refused,
            synced(Outcome::Conflict, false),
            synced(Outcome::InSync, false),
        ]
    );
}

#[test]
fn a_corrupted_deleted_record_is_never_brought_back() {
    let effects = run(vec![
        platform(Step::StartSave, true),
        platform(Step::FinishSave, true),
        Op::Corrupt { image: 0, status: ImageStatus::Deleted, stamped: false },
        sync(0),
    ]);
    assert_eq!(effects, [DONE, DONE, DONE, synced(Outcome::Conflict, false)]);
}

#[test]
fn a_stale_snapshot_is_not_applied_but_a_fresh_one_is() {
    let effects = run(vec![
        platform(Step::StartSave, true),
        platform(Step::FinishSave, true),
        sync(1),
        Op::Corrupt { image: 0, status: ImageStatus::CreateFailed, stamped: false },
        sync(0),
    ]);
    assert_eq!(effects, [DONE, DONE, synced(Outcome::Stale, false), DONE, synced(Outcome::Corrected, true)]);
}

#[test]
fn a_concurrent_write_is_never_overwritten_and_a_later_sync_recovers() {
    let effects = run(vec![
        platform(Step::StartSave, true),
        platform(Step::FinishSave, false),
        Op::Sync { image: 0, back: 0, interference: Some(Interference::Fault) },
        sync(0),
    ]);
    assert_eq!(effects, [DONE, LOST, synced(Outcome::Corrected, false), synced(Outcome::Corrected, true)]);
}

#[test]
fn an_active_image_the_registry_drops_becomes_error_and_recovers_when_it_returns() {
    let effects = run(vec![
        platform(Step::StartSave, true),
        platform(Step::FinishSave, true),
        Op::RegistryDrops { image: 0 },
        sync(0),
        Op::RegistryRestores { image: 0 },
        sync(0),
    ]);
    assert_eq!(effects, [DONE, DONE, LOST, synced(Outcome::Corrected, true), LOST, synced(Outcome::Corrected, true)]);
}

/// The random sequences do reach every effect the test is about: refusals, stale and conflict
/// syncs, corrected syncs written and not written (compare-and-swap), in-sync syncs.
#[test]
fn the_generator_reaches_every_kind_of_effect() {
    let mut runner = TestRunner::deterministic();
    let strategy = Model::sequential_strategy(1..48);
    let mut seen = Vec::new();
    for _ in 0..96 {
        let (initial, ops, _) = strategy.new_tree(&mut runner).unwrap().current();
        let mut model = initial;
        for op in &ops {
            model = Model::apply(model, op);
            if !seen.contains(&model.effect) {
                seen.push(model.effect.clone());
            }
        }
    }
    for wanted in [
        Effect::Refused,
        DONE,
        LOST,
        synced(Outcome::InSync, false),
        synced(Outcome::Corrected, true),
        synced(Outcome::Corrected, false),
        synced(Outcome::Stale, false),
        synced(Outcome::Conflict, false),
    ] {
        assert!(seen.contains(&wanted), "never generated: {wanted:?} (seen: {seen:?})");
    }
}
