use super::*;
use crate::fields::FieldBuf;
use crate::name_facts::KeyFacts;
use deploytel_core::Redactor;
use proptest::prelude::*;

fn reserved() -> ReservedKeys {
    ReservedKeys::new([
        "@timestamp",
        "log.level",
        "message",
        "ecs.version",
        "log.logger",
        "service.name",
        "labels.team",
    ])
}

/// The `(key, value)` pairs of the line written for fields given most important first.
fn resolved(fields: &[(&'static str, u64)]) -> Vec<(String, u64)> {
    let reserved = reserved();
    let mut buf = FieldBuf::new();
    for (key, value) in fields {
        let facts = KeyFacts::work_out(key, &reserved, &Redactor::default());
        buf.push_json(key, facts, &value.to_string());
    }
    let mut user = UserFields::new();
    user.resolve(&buf, &reserved);
    let mut out = b"{\"first\":0".to_vec();
    user.write(&mut out, &buf);
    out.push(b'}');
    let doc = deploytel_testkit::json::parse_line(std::str::from_utf8(&out).unwrap()).unwrap();
    doc.entries[1..]
        .iter()
        .map(|(k, v)| (k.clone(), v.as_u64().unwrap()))
        .collect()
}

fn pairs(expected: &[(&str, u64)]) -> Vec<(String, u64)> {
    expected
        .iter()
        .map(|(k, v)| ((*k).to_owned(), *v))
        .collect()
}

#[test]
fn the_first_of_several_fields_with_one_name_wins() {
    assert_eq!(
        resolved(&[("step", 1), ("step", 2), ("step", 3)]),
        pairs(&[("step", 1)])
    );
}

#[test]
fn fields_named_like_the_layers_keys_get_an_underscore() {
    assert_eq!(
        resolved(&[("message", 1), ("service.name", 2), ("labels.team", 3)]),
        pairs(&[("message_", 1), ("service.name_", 2), ("labels.team_", 3)])
    );
}

#[test]
fn fields_nested_under_a_layer_key_rename_the_clashing_segment() {
    assert_eq!(
        resolved(&[("message.text", 1), ("log.level.name", 2)]),
        pairs(&[("message_.text", 1), ("log.level_.name", 2)])
    );
}

#[test]
fn fields_named_like_an_ecs_object_get_an_underscore() {
    assert_eq!(
        resolved(&[("host", 1), ("service", 2), ("log", 3), ("host.name", 4)]),
        pairs(&[("host_", 1), ("service_", 2), ("log_", 3), ("host.name", 4)])
    );
}

#[test]
fn a_field_used_as_an_object_by_another_is_renamed_and_the_other_kept() {
    assert_eq!(
        resolved(&[("a.b", 1), ("a", 2), ("a.b.c", 3)]),
        pairs(&[("a.b_", 1), ("a_", 2), ("a.b.c", 3)])
    );
}

#[test]
fn a_renamed_field_that_meets_an_existing_name_is_renamed_again() {
    assert_eq!(
        resolved(&[("host_", 1), ("host", 2)]),
        pairs(&[("host_", 1), ("host__", 2)])
    );
}

#[test]
fn empty_names_and_empty_path_segments_are_filled_with_underscores() {
    assert_eq!(
        resolved(&[("", 1), (".a", 2), ("b.", 3), ("c..d", 4), (".", 5)]),
        pairs(&[("_", 1), ("_a", 2), ("b_", 3), ("c._d", 4), ("__", 5)])
    );
}

fn key_strategy() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-c.]{0,6}",
        Just("host".to_owned()),
        Just("message".to_owned()),
        Just("log.level".to_owned()),
        Just("service.name".to_owned()),
        "(host|service|message|a|a_)(\\.[a-c_]{0,2}){0,2}",
    ]
}

proptest! {
    #[test]
    fn any_names_give_unique_keys_and_no_value_object_clash(
        keys in proptest::collection::vec(key_strategy(), 0..12)
    ) {
        let reserved = reserved();
        let mut buf = FieldBuf::new();
        for (i, key) in keys.iter().enumerate() {
            let key: &'static str = Box::leak(key.clone().into_boxed_str());
            let facts = KeyFacts::work_out(key, &reserved, &Redactor::default());
            buf.push_json(key, facts, &i.to_string());
        }
        let mut user = UserFields::new();
        user.resolve(&buf, &reserved);
        let names: Vec<&[u8]> = user.items.iter().map(|item| user.key(item)).collect();
        for (i, a) in names.iter().enumerate() {
            prop_assert!(reserved.conflict(a).is_none(), "{:?}", String::from_utf8_lossy(a));
            prop_assert!(!a.is_empty() && !a.starts_with(b".") && !a.ends_with(b"."));
            prop_assert!(!a.windows(2).any(|w| w == b".."));
            for (j, b) in names.iter().enumerate() {
                if i != j {
                    prop_assert!(a != b);
                    prop_assert!(!is_object_of(a, b));
                }
            }
        }
        // Nothing is lost but fields whose exact name came earlier.
        let mut distinct = keys.clone();
        distinct.sort();
        distinct.dedup();
        prop_assert_eq!(names.len(), distinct.len());
    }
}

#[test]
fn a_repeated_name_list_reuses_its_resolution_and_a_new_one_is_resolved_afresh() {
    let reserved = reserved();
    let facts = |key| KeyFacts::work_out(key, &reserved, &Redactor::default());
    let mut first = FieldBuf::new();
    first.push_json("host", facts("host"), "1");
    let mut second = FieldBuf::new();
    second.push_json("a", facts("a"), "1");
    second.push_json("a.b", facts("a.b"), "2");

    let layer = LayerId::next();
    let mut user = UserFields::new();
    let names = |user: &UserFields| -> Vec<String> {
        user.items
            .iter()
            .map(|item| String::from_utf8(user.key(item).to_vec()).unwrap())
            .collect()
    };
    user.resolve_for(layer, &first, &reserved);
    assert_eq!(names(&user), ["host_"]);
    user.resolve_for(layer, &first, &reserved);
    assert_eq!(names(&user), ["host_"]);
    user.resolve_for(layer, &second, &reserved);
    assert_eq!(names(&user), ["a_", "a.b"]);
    user.resolve_for(LayerId::next(), &first, &reserved);
    assert_eq!(names(&user), ["host_"]);
}
