//! Conservation on a generated fleet, through the built command: records out = records in, in
//! order, every id once; one report line per record and per orphan, each keeping the report's
//! field contract; the outcomes those the injected faults call for.

mod common;

use std::collections::HashSet;
use std::io::BufWriter;

use common::{arg, image_lifecycle, read_jsonl};
use image_lifecycle::{Field, Missing};
use image_lifecycle_cli::fleet::Fleet;
use serde_json::Value;

const OUTCOMES: [&str; 6] = ["in_sync", "corrected", "stale", "conflict", "unmatched", "orphan"];
const KINDS: [&str; 4] = ["unchanged", "advance", "recovery", "repair"];

fn run_fleet(fleet: &Fleet, missing: Missing, missing_arg: &str) {
    let dir = tempfile::tempdir().unwrap();
    let (stored, registry) = (dir.path().join("stored.jsonl"), dir.path().join("registry.json"));
    fleet.write_stored_jsonl(&mut BufWriter::new(std::fs::File::create(&stored).unwrap())).unwrap();
    fleet.write_registry_page(&mut BufWriter::new(std::fs::File::create(&registry).unwrap())).unwrap();
    let (out, report) = (dir.path().join("out.jsonl"), dir.path().join("report.jsonl"));
    image_lifecycle()
        .args(["reconcile", arg(&stored), arg(&registry), "-o", arg(&out), "--report", arg(&report)])
        .args(["--missing", missing_arg])
        .assert()
        .code(1);

    let inputs = read_jsonl(&stored);
    let outputs = read_jsonl(&out);
    let lines = read_jsonl(&report);
    // Records out = records in, in observed order, every id once.
    assert_eq!(outputs.len(), inputs.len());
    let in_ids: Vec<&Value> = inputs.iter().map(|record| &record["id"]).collect();
    let out_ids: Vec<&Value> = outputs.iter().map(|record| &record["id"]).collect();
    assert_eq!(out_ids, in_ids);
    assert_eq!(out_ids.iter().map(|id| id.as_str().unwrap()).collect::<HashSet<_>>().len(), inputs.len());

    // One report line per observed record (same order), then one per orphan.
    let orphans = fleet.orphans() as usize;
    assert_eq!(lines.len(), inputs.len() + orphans);
    let page: Value = serde_json::from_str(&std::fs::read_to_string(&registry).unwrap()).unwrap();
    let registry_ids: HashSet<String> =
        page["data"].as_array().unwrap().iter().map(|record| record["id"].as_str().unwrap().to_owned()).collect();
    for (index, line) in lines.iter().enumerate() {
        check_contract(line);
        match inputs.get(index) {
            Some(input) => {
                assert_eq!(line["id"], input["id"]);
                assert_ne!(line["outcome"], "orphan");
                check_changed(line, input, &outputs[index]);
            }
            None => {
                assert_eq!(line["outcome"], "orphan");
                assert!(registry_ids.contains(line["id"].as_str().unwrap()));
                assert!(!in_ids.contains(&&line["id"]));
            }
        }
    }

    // The outcomes are those the injected faults call for.
    let expected = fleet.expected_outcomes(missing);
    for outcome in OUTCOMES {
        let found = lines.iter().filter(|line| line["outcome"] == outcome).count() as u64;
        assert_eq!(found, expected.count(outcome), "{outcome}");
    }
}

/// Exactly `{"id","outcome","changed","status":{"from","to","kind"},"reason"}`, with `status`
/// for observed records only.
fn check_contract(line: &Value) {
    let object = line.as_object().unwrap();
    let keys: Vec<&str> = object.keys().map(String::as_str).collect();
    let orphan = line["outcome"] == "orphan";
    let mut expected = vec!["changed", "id", "outcome", "reason"];
    if !orphan {
        expected.push("status");
    }
    let mut sorted = keys.clone();
    sorted.sort_unstable();
    expected.sort_unstable();
    assert_eq!(sorted, expected, "{line}");
    assert!(OUTCOMES.contains(&line["outcome"].as_str().unwrap()), "{line}");
    assert!(line["id"].as_str().unwrap().len() == 36, "{line}");
    assert!(!line["reason"].as_str().unwrap().is_empty(), "{line}");
    assert!(line["changed"].is_array(), "{line}");
    if !orphan {
        let status = line["status"].as_object().unwrap();
        let mut status_keys: Vec<&str> = status.keys().map(String::as_str).collect();
        status_keys.sort_unstable();
        assert_eq!(status_keys, ["from", "kind", "to"], "{line}");
        assert!(KINDS.contains(&status["kind"].as_str().unwrap()), "{line}");
    }
}

/// `changed` names exactly the wire fields that differ between the input and output record.
fn check_changed(line: &Value, input: &Value, output: &Value) {
    let changed: Vec<&str> = line["changed"].as_array().unwrap().iter().map(|name| name.as_str().unwrap()).collect();
    let (input, output) = (input.as_object().unwrap(), output.as_object().unwrap());
    let mut differing: Vec<&str> = input
        .keys()
        .chain(output.keys())
        .map(String::as_str)
        .filter(|name| input.get(*name) != output.get(*name))
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    differing.sort_unstable();
    // (`arch` is spelled differently by the store and the registry, but the values are equal:
    // the store's spelling is kept and `arch` is never reported changed for it.)
    assert_eq!(changed, differing, "{line}");
    assert!(changed.iter().all(|name| Field::from_wire(name).is_some() || *name == "image_digest"), "{line}");
    let outcome = line["outcome"].as_str().unwrap();
    assert_eq!(changed.is_empty(), outcome != "corrected", "{line}");
}

#[test]
fn a_generated_fleet_is_conserved_keep() {
    run_fleet(&Fleet::new(3_000, 11), Missing::Keep, "keep");
}

#[test]
fn a_generated_fleet_is_conserved_absent() {
    run_fleet(&Fleet::new(3_000, 12), Missing::Absent, "absent");
}
