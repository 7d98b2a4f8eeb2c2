//! The transition table's API, checked against the lifecycle exactly as issue 3 writes it.
//!
//! Every expectation below is written out by hand from the issue (edges, reachability, kinds),
//! not computed from `TRANSITIONS`: the tests compare the code with the spec, not with itself.

use std::collections::{BTreeSet, HashMap};

use image_lifecycle::lifecycle::{dot, is_allowed, is_reachable, is_terminal, mermaid, successors, TRANSITIONS};
use image_lifecycle::{ImageStatus, TransitionKind};

/// The lifecycle as issue 3 states it, one line per status (`-` for no edges). `ARCHIVED` stands
/// for a status the crate does not know: it has no edges.
const EDGES: &str = "
    INIT          -> CREATING, CREATE_FAILED, ERROR, DELETED
    CREATING      -> ACTIVE, CREATE_FAILED, ERROR, DELETED
    ACTIVE        -> ERROR, DELETED
    CREATE_FAILED -> ERROR, DELETED
    ERROR         -> DELETED
    DELETED       -> -
    ARCHIVED      -> -
";

/// Every status reachable in one or more steps, worked out by hand from [`EDGES`].
const REACHABLE: &str = "
    INIT          -> CREATING, ACTIVE, CREATE_FAILED, ERROR, DELETED
    CREATING      -> ACTIVE, CREATE_FAILED, ERROR, DELETED
    ACTIVE        -> ERROR, DELETED
    CREATE_FAILED -> ERROR, DELETED
    ERROR         -> DELETED
    DELETED       -> -
    ARCHIVED      -> -
";

/// `TransitionKind::classify(from, to)` for every pair: `=` unchanged, `adv` advance (reachable),
/// `rec` recovery (leaving ERROR or an unknown status), `rep` repair (anything else, including a
/// change to an unknown status).
const KINDS: &str = "
    from \\ to     INIT  CREATING  ACTIVE  CREATE_FAILED  ERROR  DELETED  ARCHIVED
    INIT           =     adv       adv     adv            adv    adv      rep
    CREATING       rep   =         adv     adv            adv    adv      rep
    ACTIVE         rep   rep       =       rep            adv    adv      rep
    CREATE_FAILED  rep   rep       rep     =              adv    adv      rep
    ERROR          rec   rec       rec     rec            =      adv      rec
    DELETED        rep   rep       rep     rep            rep    =        rep
    ARCHIVED       rec   rec       rec     rec            rec    rec      =
";

fn status(wire: &str) -> ImageStatus {
    wire.parse().unwrap()
}

/// The six known statuses and one unknown one.
fn all_statuses() -> Vec<ImageStatus> {
    ["INIT", "CREATING", "ACTIVE", "CREATE_FAILED", "ERROR", "DELETED", "ARCHIVED"].into_iter().map(status).collect()
}

/// Parses `FROM -> TO, TO` lines into a relation.
fn relation(text: &str) -> HashMap<ImageStatus, BTreeSet<String>> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(|line| {
            let (from, to) = line.split_once("->").unwrap();
            let to = match to.trim() {
                "-" => BTreeSet::new(),
                list => list.split(',').map(|s| s.trim().to_owned()).collect(),
            };
            (status(from.trim()), to)
        })
        .collect()
}

fn kind(abbreviation: &str) -> TransitionKind {
    match abbreviation {
        "=" => TransitionKind::Unchanged,
        "adv" => TransitionKind::Advance,
        "rec" => TransitionKind::Recovery,
        "rep" => TransitionKind::Repair,
        other => panic!("unknown kind {other}"),
    }
}

#[test]
fn the_unknown_status_stand_in_is_really_unknown() {
    assert!(!status("ARCHIVED").is_known());
    assert_eq!(all_statuses().iter().filter(|s| s.is_known()).count(), ImageStatus::KNOWN.len());
}

#[test]
fn is_allowed_matches_the_issue_for_every_pair() {
    let edges = relation(EDGES);
    assert_eq!(edges.len(), 7);
    let mut allowed = 0;
    for from in all_statuses() {
        for to in all_statuses() {
            let expected = edges[&from].contains(to.as_str());
            assert_eq!(is_allowed(&from, &to), expected, "is_allowed({from}, {to})");
            allowed += usize::from(expected);
        }
    }
    assert_eq!(allowed, 13, "the issue lists 13 edges");
}

#[test]
fn no_status_may_step_to_itself() {
    for s in all_statuses() {
        assert!(!is_allowed(&s, &s), "{s} -> {s}");
    }
}

#[test]
fn successors_list_the_issue_edges_and_none_for_unknown() {
    let edges = relation(EDGES);
    for from in all_statuses() {
        let got: BTreeSet<String> = successors(&from).iter().map(|s| s.as_str().to_owned()).collect();
        assert_eq!(got, edges[&from], "successors({from})");
    }
    assert!(successors(&status("SOMETHING_NEW")).is_empty());
}

#[test]
fn the_table_holds_each_known_status_exactly_once() {
    let froms: Vec<&ImageStatus> = TRANSITIONS.iter().map(|(from, _)| from).collect();
    for known in ImageStatus::KNOWN {
        assert_eq!(froms.iter().filter(|from| **from == known).count(), 1, "{known} in TRANSITIONS");
    }
    assert_eq!(froms.len(), ImageStatus::KNOWN.len());
    for (from, next) in TRANSITIONS {
        assert!(next.iter().all(ImageStatus::is_known), "{from} leads to an unknown status");
        let distinct: BTreeSet<&str> = next.iter().map(ImageStatus::as_str).collect();
        assert_eq!(distinct.len(), next.len(), "{from} lists a successor twice");
    }
}

#[test]
fn only_deleted_is_terminal() {
    for s in all_statuses() {
        assert_eq!(is_terminal(&s), s == ImageStatus::Deleted, "is_terminal({s})");
    }
}

/// An unknown status has no edges in the table, yet it is not terminal: the crate cannot know
/// that a status a newer platform invented is final (reconciliation may still leave it: a
/// recovery).
#[test]
fn an_unknown_status_has_no_edges_but_is_not_terminal() {
    let unknown = status("ARCHIVED");
    assert!(successors(&unknown).is_empty());
    assert!(!is_terminal(&unknown));
    assert_eq!(
        TransitionKind::classify(Some(&unknown), Some(&ImageStatus::Active)),
        TransitionKind::Recovery,
        "leaving an unknown status is possible"
    );
}

#[test]
fn is_reachable_is_the_transitive_closure_written_in_the_issue() {
    let reachable = relation(REACHABLE);
    for from in all_statuses() {
        for to in all_statuses() {
            let expected = reachable[&from].contains(to.as_str());
            assert_eq!(is_reachable(&from, &to), expected, "is_reachable({from}, {to})");
        }
    }
}

#[test]
fn reachability_examples_from_the_brief() {
    use ImageStatus::*;
    assert!(is_reachable(&Init, &Active), "INIT reaches ACTIVE via CREATING");
    assert!(!is_allowed(&Init, &Active), "...but not in one step");
    assert!(!is_reachable(&Active, &Creating), "no way back to CREATING");
    assert!(!is_reachable(&Error, &Active), "leaving ERROR is a recovery, not a path in the table");
    for s in all_statuses() {
        assert!(!is_reachable(&Deleted, &s), "nothing is reachable from DELETED ({s})");
        assert!(!is_reachable(&status("ARCHIVED"), &s), "nothing is reachable from unknown ({s})");
        assert!(!is_reachable(&s, &status("ARCHIVED")), "unknown is reachable from nothing ({s})");
        assert!(!is_reachable(&s, &Init), "nothing leads back to INIT ({s})");
    }
}

/// The hand-written closure really is the closure of the hand-written edges (so the two spec
/// tables above cannot drift apart).
#[test]
fn the_reachability_spec_is_the_closure_of_the_edge_spec() {
    let edges = relation(EDGES);
    let mut closure: HashMap<String, BTreeSet<String>> =
        edges.iter().map(|(from, to)| (from.as_str().to_owned(), to.clone())).collect();
    loop {
        let mut grew = false;
        let keys: Vec<String> = closure.keys().cloned().collect();
        for from in keys {
            let via: Vec<String> = closure[&from].iter().cloned().collect();
            for mid in via {
                let further = closure.get(&mid).cloned().unwrap_or_default();
                let set = closure.get_mut(&from).unwrap();
                for to in further {
                    grew |= set.insert(to);
                }
            }
        }
        if !grew {
            break;
        }
    }
    for (from, to) in relation(REACHABLE) {
        assert_eq!(closure[from.as_str()], to, "closure of {from}");
    }
}

/// Kahn's algorithm over `TRANSITIONS`: every status can be removed in some order, so no cycle.
#[test]
fn the_table_has_no_cycles() {
    let mut indegree: HashMap<&ImageStatus, usize> = TRANSITIONS.iter().map(|(from, _)| (from, 0)).collect();
    for (_, next) in TRANSITIONS {
        for to in *next {
            *indegree.get_mut(to).unwrap() += 1;
        }
    }
    let mut ready: Vec<&ImageStatus> = indegree.iter().filter(|(_, d)| **d == 0).map(|(s, _)| *s).collect();
    let mut order = Vec::new();
    while let Some(s) = ready.pop() {
        order.push(s.clone());
        for to in successors(s) {
            let d = indegree.get_mut(to).unwrap();
            *d -= 1;
            if *d == 0 {
                ready.push(to);
            }
        }
    }
    assert_eq!(order.len(), TRANSITIONS.len(), "a cycle among {:?}", indegree);
    assert_eq!(order.first(), Some(&ImageStatus::Init), "INIT is the only start");
    assert_eq!(order.last(), Some(&ImageStatus::Deleted), "DELETED is the only end");
    for s in all_statuses() {
        assert!(!is_reachable(&s, &s), "{s} reaches itself");
    }
}

#[test]
fn classify_matches_the_issue_for_every_pair() {
    let mut lines = KINDS.lines().map(str::trim).filter(|line| !line.is_empty());
    let header: Vec<ImageStatus> = lines.next().unwrap().split_whitespace().skip(3).map(status).collect();
    assert_eq!(header, all_statuses());
    let mut rows = 0;
    for line in lines {
        let mut cells = line.split_whitespace();
        let from = status(cells.next().unwrap());
        let expected: Vec<TransitionKind> = cells.map(kind).collect();
        assert_eq!(expected.len(), header.len(), "row {from}");
        for (to, expected) in header.iter().zip(expected) {
            assert_eq!(TransitionKind::classify(Some(&from), Some(to)), expected, "classify({from}, {to})");
        }
        rows += 1;
    }
    assert_eq!(rows, 7);
}

#[test]
fn classify_examples_from_the_issue() {
    use ImageStatus::*;
    use TransitionKind::*;
    assert_eq!(TransitionKind::classify(Some(&Active), Some(&Creating)), Repair);
    assert_eq!(TransitionKind::classify(Some(&CreateFailed), Some(&Active)), Repair);
    assert_eq!(TransitionKind::classify(Some(&Active), Some(&status("ARCHIVED"))), Repair);
    assert_eq!(TransitionKind::classify(Some(&Error), Some(&Active)), Recovery);
    assert_eq!(TransitionKind::classify(Some(&Creating), Some(&Active)), Advance);
    assert_eq!(TransitionKind::classify(Some(&Error), Some(&Deleted)), Advance, "a deletion is always forward");
}

#[test]
fn classify_two_different_unknown_statuses_is_a_recovery() {
    let (old, new) = (status("ARCHIVED"), status("FROZEN"));
    assert_eq!(TransitionKind::classify(Some(&old), Some(&new)), TransitionKind::Recovery);
    assert_eq!(TransitionKind::classify(Some(&old), Some(&old.clone())), TransitionKind::Unchanged);
}

/// A missing status (`None`) is treated like a status the crate does not know.
#[test]
fn classify_treats_a_missing_status_like_an_unknown_one() {
    assert_eq!(TransitionKind::classify(None, None), TransitionKind::Unchanged);
    for s in all_statuses() {
        assert_eq!(TransitionKind::classify(None, Some(&s)), TransitionKind::Recovery, "None -> {s}");
        let expected = if s.is_known() {
            TransitionKind::classify(Some(&s), Some(&status("SOMETHING_NEW")))
        } else {
            TransitionKind::Recovery
        };
        assert_eq!(TransitionKind::classify(Some(&s), None), expected, "{s} -> None");
    }
}

#[test]
fn kinds_have_their_report_spelling() {
    let spelled: Vec<String> =
        [TransitionKind::Unchanged, TransitionKind::Advance, TransitionKind::Recovery, TransitionKind::Repair]
            .iter()
            .map(|k| format!("{k}/{}", k.as_str()))
            .collect();
    assert_eq!(spelled, ["unchanged/unchanged", "advance/advance", "recovery/recovery", "repair/repair"]);
}

/// Every edge of the table, as `(from, to)` wire spellings.
fn table_edges() -> Vec<(String, String)> {
    TRANSITIONS.iter().flat_map(|(from, next)| next.iter().map(move |to| (from.to_string(), to.to_string()))).collect()
}

#[test]
fn mermaid_draws_every_edge_exactly_once_and_nothing_else() {
    let diagram = mermaid();
    assert!(diagram.starts_with("stateDiagram-v2\n"), "{diagram}");
    let drawn: Vec<(String, String)> = diagram
        .lines()
        .filter_map(|line| line.trim().split_once(" --> "))
        .filter(|(from, to)| *from != "[*]" && *to != "[*]")
        .map(|(from, to)| (from.to_owned(), to.to_owned()))
        .collect();
    let expected = table_edges();
    for edge in &expected {
        assert_eq!(drawn.iter().filter(|d| *d == edge).count(), 1, "{edge:?} in\n{diagram}");
    }
    assert_eq!(drawn.len(), expected.len(), "extra edges in\n{diagram}");
    assert_eq!(drawn.len(), 13);
    assert!(diagram.contains("[*] --> INIT\n"), "start marker");
    assert!(diagram.contains("DELETED --> [*]\n"), "terminal marker");
}

#[test]
fn dot_draws_every_edge_exactly_once_and_nothing_else() {
    let diagram = dot();
    assert!(diagram.starts_with("digraph lifecycle {") && diagram.trim_end().ends_with('}'), "{diagram}");
    let drawn: Vec<(String, String)> = diagram
        .lines()
        .filter_map(|line| line.trim().strip_suffix(';')?.split_once(" -> "))
        .map(|(from, to)| (from.to_owned(), to.to_owned()))
        .collect();
    let expected = table_edges();
    for edge in &expected {
        assert_eq!(drawn.iter().filter(|d| *d == edge).count(), 1, "{edge:?} in\n{diagram}");
    }
    assert_eq!(drawn.len(), expected.len(), "extra edges in\n{diagram}");
    let terminal: Vec<&str> = diagram.lines().filter(|line| line.contains("doublecircle")).collect();
    assert_eq!(terminal, ["    DELETED [shape=doublecircle];"]);
}
