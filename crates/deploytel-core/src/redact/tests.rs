use super::*;
use proptest::prelude::*;

fn redacted(value: &str) -> String {
    Redactor::default().redact(value).into_owned()
}

#[test]
fn default_secret_keys_match_whatever_their_case_and_separators() {
    let redactor = Redactor::default();
    for key in [
        "password",
        "DB_PASSWORD",
        "passwd",
        "client_secret",
        "GITHUB_TOKEN",
        "x-api-key",
        "ApiKey",
        "Authorization",
        "set-cookie",
        "ssh.private_key",
        "aws_credentials",
        "PGPASSWORD",
    ] {
        assert!(redactor.is_secret_key(key), "{key} should be secret");
    }
    for key in [
        "host",
        "deployment.id",
        "cicd.pipeline.name",
        "user.name",
        "keys",
        "session_id",
        "token_file",
        "tokens_used",
    ] {
        assert!(!redactor.is_secret_key(key), "{key} should not be secret");
    }
}

#[test]
fn configured_terms_and_qualifiers_replace_or_extend_the_defaults() {
    let extended = Redactor::builder().secret_key("vault_pin").build();
    assert!(extended.is_secret_key("VAULT-PIN"));
    assert!(extended.is_secret_key("vaultPin"));
    assert!(extended.is_secret_key("password"));

    let replaced = Redactor::builder().secret_keys(["pin"]).build();
    assert!(replaced.is_secret_key("pin"));
    assert!(!replaced.is_secret_key("password"));
    assert!(!replaced.is_secret_key("spinner"));

    let qualified = Redactor::builder().harmless_qualifier("digest").build();
    assert!(!qualified.is_secret_key("password_digest"));
    assert!(Redactor::default().is_secret_key("password_digest"));
}

#[test]
fn bearer_and_basic_credentials_are_masked() {
    assert_eq!(
        redacted("Authorization: Bearer abc.DEF-123_xyz"),
        "Authorization: Bearer [REDACTED]"
    );
    assert_eq!(
        redacted("authorization: basic dXNlcjpwYXNz, retry"),
        "authorization: basic [REDACTED], retry"
    );
    assert_eq!(redacted("Basic dXNlcjpwYXNzd29yZA=="), "Basic [REDACTED]");
    assert_eq!(
        redacted("Authorization: Digest username=\"ci\", response=\"6629fae49393a053\"\nnext"),
        "Authorization: Digest [REDACTED]\nnext"
    );
}

#[test]
fn prose_that_says_basic_or_bearer_is_left_alone() {
    for text in [
        "basic deployment finished",
        "the bearer of bad news",
        "Basic checks passed",
        "bearer",
    ] {
        assert_eq!(redacted(text), text);
    }
}

#[test]
fn pem_private_key_blocks_are_masked_whole() {
    let pem =
        "key: -----BEGIN RSA PRIVATE KEY-----\nMIIEow\nIBAAK\n-----END RSA PRIVATE KEY-----\nnext";
    assert_eq!(redacted(pem), "key: [REDACTED]\nnext");
    let cut_short = "-----BEGIN PRIVATE KEY-----\nMIIEvQ";
    assert_eq!(redacted(cut_short), "[REDACTED]");
    let certificate = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----";
    assert_eq!(redacted(certificate), certificate);
}

#[test]
fn aws_access_key_ids_are_masked_only_as_whole_words() {
    assert_eq!(
        redacted("using AKIAIOSFODNN7EXAMPLE now"),
        "using [REDACTED] now"
    );
    assert_eq!(redacted("id=ASIAY34FZKBOKMUTVV7A"), "id=[REDACTED]");
    let longer = "AKIAIOSFODNN7EXAMPLEX";
    assert_eq!(redacted(longer), longer);
}

#[test]
fn json_web_tokens_are_masked() {
    let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.dBjftJeZ4CVPmB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    assert_eq!(redacted(&format!("token {jwt} ok")), "token [REDACTED] ok");
    assert_eq!(redacted("eyJust.a.sentence"), "eyJust.a.sentence");
}

#[test]
fn url_passwords_are_masked_and_the_user_kept() {
    assert_eq!(
        redacted("https://deploy:s3cr3t@git.example.com/app.git"),
        "https://deploy:[REDACTED]@git.example.com/app.git"
    );
    assert_eq!(
        redacted("postgres://app:pw@db:5432/app?sslmode=require"),
        "postgres://app:[REDACTED]@db:5432/app?sslmode=require"
    );
    let no_password = "ssh://git@github.com/org/repo";
    assert_eq!(redacted(no_password), no_password);
    let port_only = "http://localhost:8080/health";
    assert_eq!(redacted(port_only), port_only);
}

#[test]
fn secret_flags_and_assignments_are_masked() {
    assert_eq!(
        redacted("deploy --password=hunter2 --verbose"),
        "deploy --password=[REDACTED] --verbose"
    );
    assert_eq!(
        redacted("deploy --token hunter2 --verbose"),
        "deploy --token [REDACTED] --verbose"
    );
    assert_eq!(
        redacted("vault --api-key 'a b c' done"),
        "vault --api-key '[REDACTED]' done"
    );
    assert_eq!(
        redacted("DB_PASSWORD=hunter2 ./migrate"),
        "DB_PASSWORD=[REDACTED] ./migrate"
    );
    assert_eq!(
        redacted("GET /hook?token=abc123&x=1"),
        "GET /hook?token=[REDACTED]&x=1"
    );
    assert_eq!(redacted("--token --verbose"), "--token --verbose");
    assert_eq!(redacted("--host web-01"), "--host web-01");
}

#[test]
fn a_secret_field_name_masks_the_whole_value() {
    let redactor = Redactor::default();
    assert_eq!(redactor.redact_field("password", "hunter2"), REDACTED);
    assert_eq!(redactor.redact_field("host", "web-01"), "web-01");
}

#[test]
fn scanning_values_can_be_turned_off() {
    let redactor = Redactor::builder().scan_values(false).build();
    let value = "--password=hunter2";
    assert_eq!(redactor.redact(value), value);
    assert!(!redactor.contains_secret(value));
    assert!(redactor.is_secret_key("password"));
}

#[test]
fn argument_lists_mask_the_value_after_a_secret_flag_and_secrets_inside_arguments() {
    let redactor = Redactor::default();
    let args = [
        "site.yml",
        "--vault-password",
        "hunter2",
        "--token=abc",
        "--limit",
        "web",
        "https://u:pw@git.example/x",
        "--api-key",
        "--verbose",
    ];
    assert_eq!(
        redactor.redact_args(&args),
        [
            "site.yml",
            "--vault-password",
            "[REDACTED]",
            "--token=[REDACTED]",
            "--limit",
            "web",
            "https://u:[REDACTED]@git.example/x",
            "--api-key",
            "--verbose",
        ]
    );
}

#[test]
fn the_disabled_redactor_masks_nothing() {
    let redactor = Redactor::disabled();
    assert!(!redactor.is_secret_key("password"));
    assert_eq!(redactor.redact("--password=x"), "--password=x");
}

#[test]
fn a_value_without_secrets_is_borrowed_not_copied() {
    let value = "rolling restart of web-01 finished in 12s";
    assert!(matches!(
        Redactor::default().redact(value),
        Cow::Borrowed(_)
    ));
}

#[test]
fn segments_alternate_clear_text_and_secrets_in_order() {
    let redactor = Redactor::default();
    let segments: Vec<_> = redactor.segments("a --token x b --token y").collect();
    assert_eq!(
        segments,
        vec![
            Segment::Clear("a --token "),
            Segment::Secret,
            Segment::Clear(" b --token "),
            Segment::Secret,
        ]
    );
}

fn secret() -> impl Strategy<Value = (String, String)> {
    prop_oneof![
        "[A-Za-z0-9]{12,24}".prop_map(|t| (format!("Bearer {t}1"), format!("{t}1"))),
        "[A-Z0-9]{16}".prop_map(|t| (format!("AKIA{t}"), format!("AKIA{t}"))),
        "[a-z0-9]{6,12}".prop_map(|p| (format!("https://u:{p}@h.example/x"), p)),
        "[a-z0-9]{6,12}".prop_map(|p| (format!("--password={p}"), p)),
        "[a-z0-9]{6,12}".prop_map(|p| (format!("--token {p}"), p)),
    ]
}

proptest! {
    #[test]
    fn redaction_never_panics_and_keeps_text_without_triggers(value in any::<String>()) {
        let redactor = Redactor::default();
        let out = redactor.redact(&value);
        // Without a mark, a word of twelve bytes or a word that starts with a dash, there is
        // nothing any detector looks at.
        let has_mark = value.contains(['=', ':', '@', '-']);
        let has_long_word = value
            .split(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')))
            .any(|word| word.len() >= 12);
        if !has_mark && !has_long_word {
            prop_assert_eq!(out.as_ref(), value.as_str());
        }
    }

    #[test]
    fn a_secret_between_ordinary_words_never_survives(
        before in "[a-z ]{0,20}",
        (text, secret) in secret(),
        after in "[a-z ]{0,20}",
    ) {
        let value = format!("{before} {text} {after}");
        let out = redacted(&value);
        prop_assert!(!out.contains(&secret), "{} -> {}", value, out);
        prop_assert!(out.contains(REDACTED));
    }
}

#[test]
fn masking_masked_text_changes_nothing() {
    let redactor = Redactor::default();
    for text in [
        "token=hunter2secret&page=2",
        "GET /deploy?api_key=abc123def456 HTTP/1.1",
        "password: 'p@ss word'",
        "Authorization: Bearer abcdef1234567890",
        "postgres://admin:Pa55w0rd@db/app",
        "--vault-password=hunter2 site.yml",
    ] {
        let once = redactor.redact(text).into_owned();
        assert_ne!(once, text, "{text:?} has a secret");
        assert_eq!(redactor.redact(&once), once, "masking {text:?} twice");
    }
}
