//! Corpora for testing redaction: secrets of many shapes, each with a near miss that must stay
//! as it is, and ordinary values a deploy tool logs that must not be touched.
//!
//! The token shapes follow the formats their issuers document. Every token is generated here
//! from a fixed seed, so that no string in the repository looks like a live credential.

/// A secret inside a text: after redaction `secret` must be gone from `text`.
#[derive(Clone, Debug)]
pub struct Sample {
    /// The detector (or token family) the sample is for.
    pub detector: &'static str,
    /// The text as a tool would log it.
    pub text: String,
    /// The part of `text` that must not survive.
    pub secret: String,
}

/// A text that must come out of redaction unchanged.
#[derive(Clone, Debug)]
pub struct Harmless {
    /// What kind of ordinary data it is.
    pub kind: &'static str,
    /// The text.
    pub text: String,
}

#[derive(Clone, Copy)]
enum Chars {
    Alnum,
    UpperAlnum,
    LowerAlnum,
    LowerHex,
    Base64Url,
}

impl Chars {
    fn alphabet(self) -> &'static [u8] {
        match self {
            Chars::Alnum => b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
            Chars::UpperAlnum => b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567",
            Chars::LowerAlnum => b"abcdefghijklmnopqrstuvwxyz0123456789",
            Chars::LowerHex => b"0123456789abcdef",
            Chars::Base64Url => b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-",
        }
    }
}

/// A small deterministic generator: the same corpus on every run and machine.
struct Seeded(u64);

impl Seeded {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// `len` characters of `chars`, starting with a digit and a letter so that every class
    /// the format allows shows up.
    fn body(&mut self, chars: Chars, len: usize) -> String {
        let alphabet = chars.alphabet();
        let mut body: Vec<u8> = (0..len)
            .map(|_| alphabet[(self.next() % alphabet.len() as u64) as usize])
            .collect();
        let digit = alphabet.iter().copied().find(u8::is_ascii_digit);
        let letter = alphabet.iter().copied().find(u8::is_ascii_alphabetic);
        for (slot, fixed) in body.iter_mut().zip([digit, letter, Some(b'q'), Some(b'7')]) {
            if let Some(b) = fixed.filter(|b| alphabet.contains(b)) {
                *slot = b;
            }
        }
        String::from_utf8(body).unwrap_or_default()
    }
}

/// Token formats with a fixed prefix: (family, prefix, body characters, body length).
const TOKENS: &[(&str, &str, Chars, usize)] = &[
    ("GitHub classic token", "ghp_", Chars::Alnum, 36),
    ("GitHub OAuth token", "gho_", Chars::Alnum, 36),
    ("GitHub user-to-server token", "ghu_", Chars::Alnum, 36),
    ("GitHub server-to-server token", "ghs_", Chars::Alnum, 36),
    ("GitHub refresh token", "ghr_", Chars::Alnum, 76),
    (
        "GitHub fine-grained token",
        "github_pat_",
        Chars::Base64Url,
        82,
    ),
    ("GitLab personal token", "glpat-", Chars::Base64Url, 20),
    ("GitLab trigger token", "glptt-", Chars::LowerHex, 40),
    ("GitLab runner token", "glrt-", Chars::Base64Url, 20),
    ("GitLab deploy token", "gldt-", Chars::Base64Url, 20),
    ("GitLab CI job token", "glcbt-", Chars::Base64Url, 30),
    ("Bitbucket app password", "ATBB", Chars::Alnum, 32),
    ("Slack bot token", "xoxb-", Chars::Base64Url, 50),
    ("Slack user token", "xoxp-", Chars::Base64Url, 70),
    ("Slack workspace token", "xoxa-", Chars::Base64Url, 40),
    ("Slack refresh token", "xoxr-", Chars::Base64Url, 40),
    ("Slack legacy token", "xoxs-", Chars::Base64Url, 40),
    (
        "Slack configuration token",
        "xoxe.xox",
        Chars::Base64Url,
        60,
    ),
    ("Slack app token", "xapp-", Chars::Base64Url, 60),
    ("Stripe live key", "sk_live_", Chars::Alnum, 99),
    ("Stripe test key", "sk_test_", Chars::Alnum, 24),
    ("Stripe restricted key", "rk_live_", Chars::Alnum, 24),
    ("Stripe test restricted key", "rk_test_", Chars::Alnum, 24),
    ("Stripe webhook secret", "whsec_", Chars::Alnum, 32),
    ("Square access token", "sq0atp-", Chars::Base64Url, 22),
    ("Square application secret", "sq0csp-", Chars::Base64Url, 43),
    ("Shippo token", "shippo_live_", Chars::LowerHex, 40),
    ("AWS access key id", "AKIA", Chars::UpperAlnum, 16),
    ("AWS temporary key id", "ASIA", Chars::UpperAlnum, 16),
    ("AWS user id", "AIDA", Chars::UpperAlnum, 16),
    ("AWS role id", "AROA", Chars::UpperAlnum, 16),
    ("AWS group id", "AGPA", Chars::UpperAlnum, 16),
    ("AWS instance profile id", "AIPA", Chars::UpperAlnum, 16),
    ("AWS policy id", "ANPA", Chars::UpperAlnum, 16),
    ("AWS certificate id", "ASCA", Chars::UpperAlnum, 16),
    ("AWS public key id", "APKA", Chars::UpperAlnum, 16),
    ("Google API key", "AIza", Chars::Base64Url, 35),
    (
        "Google OAuth client secret",
        "GOCSPX-",
        Chars::Base64Url,
        28,
    ),
    ("Google OAuth access token", "ya29.", Chars::Base64Url, 120),
    ("Alibaba access key id", "LTAI", Chars::Alnum, 20),
    ("DigitalOcean token", "dop_v1_", Chars::LowerHex, 64),
    ("DigitalOcean OAuth token", "doo_v1_", Chars::LowerHex, 64),
    ("DigitalOcean refresh token", "dor_v1_", Chars::LowerHex, 64),
    ("Heroku key", "HRKU-", Chars::Base64Url, 60),
    ("Fly.io token", "fo1_", Chars::Base64Url, 43),
    ("Databricks token", "dapi", Chars::LowerHex, 32),
    ("Supabase token", "sbp_", Chars::LowerHex, 40),
    ("PlanetScale token", "pscale_tkn_", Chars::Base64Url, 43),
    ("PlanetScale password", "pscale_pw_", Chars::Base64Url, 43),
    (
        "PlanetScale OAuth token",
        "pscale_oauth_",
        Chars::Base64Url,
        43,
    ),
    ("Tailscale key", "tskey-", Chars::Base64Url, 50),
    ("Mapbox secret token", "sk.eyJ", Chars::Base64Url, 80),
    ("Vault service token", "hvs.", Chars::Base64Url, 90),
    ("Vault batch token", "hvb.", Chars::Base64Url, 138),
    ("Vault recovery token", "hvr.", Chars::Base64Url, 90),
    ("Pulumi token", "pul-", Chars::LowerHex, 40),
    ("Doppler personal token", "dp.pt.", Chars::Alnum, 43),
    ("Doppler service token", "dp.st.", Chars::Alnum, 43),
    ("Doppler service account token", "dp.sa.", Chars::Alnum, 43),
    ("Doppler CLI token", "dp.ct.", Chars::Alnum, 43),
    ("age secret key", "AGE-SECRET-KEY-1", Chars::UpperAlnum, 58),
    ("Buildkite token", "bkua_", Chars::LowerHex, 40),
    ("CircleCI token", "CCIPAT_", Chars::Base64Url, 40),
    ("JFrog API key", "AKCp", Chars::Alnum, 69),
    ("npm token", "npm_", Chars::Alnum, 36),
    ("PyPI token", "pypi-AgEIcHlwaS5vcmc", Chars::Base64Url, 150),
    ("Docker Hub token", "dckr_pat_", Chars::Base64Url, 27),
    ("RubyGems key", "rubygems_", Chars::LowerHex, 48),
    ("NuGet key", "oy2", Chars::LowerAlnum, 43),
    ("Clojars token", "CLOJARS_", Chars::LowerAlnum, 60),
    ("OpenAI project key", "sk-proj-", Chars::Base64Url, 120),
    (
        "OpenAI service account key",
        "sk-svcacct-",
        Chars::Base64Url,
        120,
    ),
    ("OpenAI admin key", "sk-admin-", Chars::Base64Url, 120),
    ("Anthropic key", "sk-ant-", Chars::Base64Url, 95),
    ("Hugging Face token", "hf_", Chars::Alnum, 34),
    ("Mailgun key", "key-", Chars::LowerHex, 32),
    ("Atlassian token", "ATATT3", Chars::Base64Url, 186),
    ("Linear key", "lin_api_", Chars::Alnum, 40),
    ("Sentry organisation token", "sntrys_", Chars::Alnum, 120),
    ("Sentry user token", "sntryu_", Chars::LowerHex, 64),
    ("New Relic key", "NRAK-", Chars::UpperAlnum, 27),
    ("Grafana Cloud token", "glc_", Chars::Alnum, 120),
    (
        "Grafana service account token",
        "glsa_",
        Chars::Base64Url,
        41,
    ),
    ("Figma token", "figd_", Chars::Base64Url, 40),
    ("Shopify access token", "shpat_", Chars::LowerHex, 32),
    ("Shopify custom app token", "shpca_", Chars::LowerHex, 32),
    ("Shopify private app token", "shppa_", Chars::LowerHex, 32),
    ("Shopify shared secret", "shpss_", Chars::LowerHex, 32),
];

/// Where a token is written in a sample: under names that say nothing about secrets.
const PLACES: &[&str] = &[
    "{}",
    "using {} for the upload",
    "config value={} loaded",
    "\"{}\"",
    "[{}]",
];

fn place(template: &str, secret: &str) -> String {
    template.replace("{}", secret)
}

/// The token formats the corpus covers, as their prefixes: those of the token table and those of
/// two-part tokens among the structured samples.
pub fn token_prefixes() -> impl Iterator<Item = &'static str> {
    TOKENS.iter().map(|t| t.1).chain(["SG.", "PMAK-"])
}

fn tokens(seed: &mut Seeded) -> Vec<Sample> {
    let mut samples = Vec::new();
    for &(family, prefix, chars, len) in TOKENS {
        let token = format!("{prefix}{}", seed.body(chars, len));
        for template in PLACES {
            samples.push(Sample {
                detector: family,
                text: place(template, &token),
                secret: token[prefix.len()..].to_owned(),
            });
        }
    }
    samples
}

fn base64(data: &[u8]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let bits = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, &b)| acc | u32::from(b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(bits >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn base64url(data: &[u8]) -> String {
    base64(data)
        .trim_end_matches('=')
        .replace('+', "-")
        .replace('/', "_")
}

fn jwt(seed: &mut Seeded) -> String {
    let header = base64url(br#"{"alg":"HS256","typ":"JWT"}"#);
    let payload = base64url(br#"{"sub":"deploy-bot","exp":1893456000}"#);
    format!("{header}.{payload}.{}", seed.body(Chars::Base64Url, 43))
}

fn private_key(label: &str, seed: &mut Seeded) -> (String, Vec<String>) {
    let body: Vec<String> = (0..4)
        .map(|_| format!("MIIE{}", seed.body(Chars::Alnum, 60)))
        .collect();
    let block = format!(
        "-----BEGIN {label}-----\n{}\n-----END {label}-----",
        body.join("\n")
    );
    (block, body)
}

/// Structured secrets: keys, URLs, headers, assignments.
fn structured(seed: &mut Seeded) -> Vec<Sample> {
    let mut samples = Vec::new();
    let mut add = |detector: &'static str, text: String, secret: String| {
        samples.push(Sample {
            detector,
            text,
            secret,
        });
    };
    let token = jwt(seed);
    add(
        "JSON Web Token",
        format!("id_token {token} issued"),
        token.clone(),
    );
    add("JSON Web Token", format!("jwt={token}"), token.clone());
    for label in [
        "RSA PRIVATE KEY",
        "EC PRIVATE KEY",
        "PRIVATE KEY",
        "ENCRYPTED PRIVATE KEY",
        "OPENSSH PRIVATE KEY",
        "PGP PRIVATE KEY BLOCK",
    ] {
        let (block, body) = private_key(label, seed);
        add(
            "private key block",
            format!("wrote {block} to disk"),
            body[1].clone(),
        );
        add(
            "private key assignment",
            format!("private_key={block}"),
            body[2].clone(),
        );
        add(
            "private key in JSON",
            format!("{{\"private_key\": \"{}\"}}", block.replace('\n', "\\n")),
            body[3].clone(),
        );
    }
    let password = format!("Pw{}", seed.body(Chars::Alnum, 14));
    let url_passwords = [
        format!("postgres://admin:{password}@db.internal:5432/app"),
        format!("sh exited with code 3: postgres://admin:{password}@db/app"),
        format!("mongodb+srv://deploy:{password}@cluster0.example.net/?retryWrites=true"),
        format!("redis://:{password}@cache:6379/0"),
        format!("git clone https://x-access-token:{password}@github.com/org/repo.git"),
        format!("amqp://svc:{password}@mq/vhost"),
    ];
    for text in url_passwords {
        add("URL password", text, password.clone());
    }
    let bearer = seed.body(Chars::Base64Url, 32);
    add(
        "Bearer credential",
        format!("sent Bearer {bearer} upstream"),
        bearer.clone(),
    );
    add(
        "Authorization header",
        format!("Authorization: Bearer {bearer}"),
        bearer.clone(),
    );
    add(
        "Authorization assignment",
        format!("authorization=Bearer {bearer}"),
        bearer.clone(),
    );
    add(
        "Authorization header",
        format!("curl -H 'Authorization: token {bearer}' https://api.example.com"),
        bearer.clone(),
    );
    let basic = base64(format!("deploy:{password}").as_bytes());
    add("Basic credential", format!("Basic {basic}"), basic.clone());
    add(
        "Authorization header",
        format!("Proxy-Authorization: Basic {basic}"),
        basic.clone(),
    );
    let short = seed.body(Chars::Alnum, 10);
    add(
        "Authorization assignment",
        format!("authorization=Bearer {short}"),
        short.clone(),
    );
    add(
        "Cookie header",
        format!("Cookie: sessionid={short}; theme=dark"),
        short.clone(),
    );
    let secret = seed.body(Chars::Alnum, 12);
    let assignments = [
        format!("DB_PASSWORD={secret} ./migrate"),
        format!("PGPASSWORD={secret} psql -h db"),
        format!("export MYSQL_ROOT_PASSWORD={secret}"),
        format!("deploy --password={secret} --verbose"),
        format!("deploy --password {secret} --verbose"),
        format!("ansible-playbook site.yml --vault-password {secret}"),
        format!("vault --api-key '{secret}' done"),
        format!("{{\"password\": \"{secret}\", \"user\": \"deploy\"}}"),
        format!("{{\"client_secret\":\"{secret}\"}}"),
        format!("password: {secret}"),
        format!("GET /hook?token={secret}&retry=1"),
        format!("aws_secret_access_key = {secret}"),
        format!("x-api-key: {secret}"),
        format!("Server=db;User Id=sa;Password={secret};Encrypt=true"),
        format!("Server=db;Uid=sa;Pwd={secret};"),
        format!("DefaultEndpointsProtocol=https;AccountName=st;AccountKey={secret};"),
        format!("Endpoint=sb://bus/;SharedAccessKeyName=root;SharedAccessKey={secret}"),
        format!("https://st.blob.core.windows.net/c?sv=2022-11-02&sig={secret}"),
        format!("https://b.s3.amazonaws.com/k?X-Amz-Signature={secret}"),
        format!("passphrase={secret}"),
        format!("GITHUB_TOKEN={secret}"),
        format!("dbPassword=\"{secret}\""),
        format!("terraform apply -var 'db_password={secret}'"),
    ];
    for text in assignments {
        add("secret assignment", text, secret.clone());
    }
    let hook = seed.body(Chars::Alnum, 24);
    add(
        "Slack webhook",
        format!("posting to https://hooks.slack.com/services/T0123ABCD/B0456EFGH/{hook}"),
        hook.clone(),
    );
    let discord = seed.body(Chars::Base64Url, 68);
    add(
        "Discord webhook",
        format!("https://discord.com/api/webhooks/123456789012345678/{discord}"),
        discord.clone(),
    );
    let telegram = format!("AA{}", seed.body(Chars::Base64Url, 33));
    add(
        "Telegram bot token",
        format!("bot 1234567890:{telegram} ready"),
        telegram.clone(),
    );
    let terraform = format!(
        "{}.atlasv1.{}",
        seed.body(Chars::Alnum, 14),
        seed.body(Chars::Alnum, 67)
    );
    add(
        "Terraform Cloud token",
        format!("credentials {terraform}"),
        terraform[15..].to_owned(),
    );
    let sendgrid = format!(
        "SG.{}.{}",
        seed.body(Chars::Base64Url, 22),
        seed.body(Chars::Base64Url, 43)
    );
    add(
        "SendGrid key",
        format!("mail key {sendgrid}"),
        sendgrid[3..].to_owned(),
    );
    let postman = format!(
        "PMAK-{}-{}",
        seed.body(Chars::LowerHex, 24),
        seed.body(Chars::LowerHex, 34)
    );
    add(
        "Postman key",
        format!("key {postman}"),
        postman[5..].to_owned(),
    );
    samples
}

/// Every secret sample: tokens of each format in several places, and structured secrets.
pub fn secret_samples() -> Vec<Sample> {
    let mut seed = Seeded(0x5EED_0FDE_9107_7E11);
    let mut samples = tokens(&mut seed);
    samples.extend(structured(&mut seed));
    samples
}

/// Texts that look like a secret's neighbour but are not one: a prefix with a descriptive or
/// too short body, prose after "Bearer", a certificate.
pub fn near_misses() -> Vec<Harmless> {
    let mut misses: Vec<Harmless> = TOKENS
        .iter()
        .flat_map(|&(family, prefix, _, _)| {
            [
                Harmless {
                    kind: family,
                    text: format!("{prefix}helper"),
                },
                Harmless {
                    kind: family,
                    text: format!("see {prefix}description_of_the_setting_in_the_docs"),
                },
            ]
        })
        .collect();
    let mut add = |kind: &'static str, text: &str| {
        misses.push(Harmless {
            kind,
            text: text.to_owned(),
        });
    };
    add("JSON Web Token", "eyJust.a.sentence");
    add(
        "certificate",
        "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----",
    );
    add(
        "public key",
        "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYI\n-----END PUBLIC KEY-----",
    );
    add("URL without password", "ssh://git@github.com/org/repo.git");
    add("URL with port", "http://localhost:8080/health");
    add("email", "notify ops@example.com on failure");
    add("Bearer prose", "the bearer of bad news");
    add("Bearer prose", "Bearer authentication is enabled");
    add("Basic prose", "Basic authentication enabled");
    add("Basic prose", "basic deployment finished");
    add("Slack", "see https://hooks.slack.com/ for setup");
    add(
        "Discord",
        "https://discord.com/channels/123456789012345678/987654321098765432",
    );
    add("Telegram", "started at 12:30:45");
    add("Terraform Cloud", "foo.atlasv1.bar");
    add("assignment reference", "password=$DB_PASSWORD");
    add("assignment reference", "token=${GITHUB_TOKEN}");
    misses
}

/// Ordinary values a deploy tool logs, which redaction must leave exactly as they are.
pub fn harmless_values() -> Vec<Harmless> {
    let mut values = Vec::new();
    let mut add = |kind: &'static str, text: &str| {
        values.push(Harmless {
            kind,
            text: text.to_owned(),
        });
    };
    add("prose", "Basic auth enabled for the admin UI");
    add("prose", "bearer tokens expire after one hour");
    add("prose", "rolling restart of web-01 finished in 12s");
    add("flag", "--token-file /run/secrets/deploy-token");
    add("flag", "--session-timeout 30");
    add("flag", "--secret-name db-credentials");
    add("flag", "--no-password web-01");
    add("flag", "docker login --password-stdin registry.example.com");
    add("flag", "--password-file /etc/app/password.txt");
    add("counter", "max_tokens=4096");
    add("counter", "tokens_used=1200");
    add("counter", "session.timeout=30");
    add("counter", "session_timeout_secs=900");
    add("counter", "password_min_length=12");
    add("counter", "token_type=Bearer");
    add("name", "secret_name=db-credentials");
    add("name", "tokenizer=cl100k_base");
    add("path", "PWD=/home/deploy/app");
    add("path", "/etc/ssl/private/server.key");
    add("version", "nginx=1.24.0-1ubuntu1");
    add("version", "openssh-server 1:9.6p1-3ubuntu13.5");
    add("version", "v2.3.4-rc.1+build.20261201");
    add(
        "commit",
        "HEAD is now at 4b825dc642cb6eb9a060e54bf8d69288fbee4904",
    );
    add("commit", "deployed 4b825dc to production");
    add("uuid", "request_id=6fa459ea-ee8a-3ca4-894e-db77e160355e");
    add(
        "digest",
        "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    );
    add(
        "image",
        "registry.example.com/app@sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    );
    add(
        "run id",
        "https://github.com/org/repo/actions/runs/12061254523/job/33633111111",
    );
    add("run id", "run-20261201-0042 started");
    add("url", "https://example.com/search?q=token&page=2");
    add(
        "url",
        "https://api.example.com/v1/deployments?limit=50&cursor=eyJpZCI6NDJ9",
    );
    add("url", "git@github.com:org/repo.git");
    add("url", "https://user@git.example.com/app.git");
    add("email", "deploy-bot@example.com");
    add("ansible", "ok: [web-01] => (item=nginx)");
    add(
        "ansible",
        "TASK [deploy : Install packages] ****************************",
    );
    add(
        "ansible",
        "PLAY RECAP: web-01 : ok=12 changed=3 unreachable=0 failed=0",
    );
    add("terraform", "aws_instance.web: Creating...");
    add("terraform", "Plan: 3 to add, 0 to change, 0 to destroy.");
    add("terraform", "aws_secretsmanager_secret.db: Creation complete after 1s [id=arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf]");
    add("kubectl", "secret/db-credentials created");
    add("kubectl", "deployment.apps/web configured");
    add("time", "2026-12-01T10:00:00.123Z");
    add("time", "took 00:01:23.456");
    add("ipv6", "listening on [::1]:8080 and [fe80::1%eth0]:9090");
    add("base64", "checksum Q2hlY2tzdW0gb2s=");
    add("identifier", "install_packages_for_the_web_tier");
    add("identifier", "deploy_orchestrator::steps::migrate_database");
    add("hex", "a3f5c9e1b2d4f6a8c0e2b4d6f8a0c2e4");
    add("key", "ssh-keygen -t ed25519 -f deploy_key");
    add(
        "key",
        "public_key=ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJ0 deploy@ci",
    );
    add(
        "json",
        "{\"changed\": false, \"msg\": \"All items completed\"}",
    );
    values
}

/// Field names that hold secrets.
pub const SECRET_NAMES: &[&str] = &[
    "password",
    "DB_PASSWORD",
    "PGPASSWORD",
    "dbPassword",
    "client_secret",
    "GITHUB_TOKEN",
    "access_token",
    "refresh_token",
    "authToken",
    "x-api-key",
    "ApiKey",
    "Authorization",
    "proxy-authorization",
    "set-cookie",
    "ssh.private_key",
    "aws_credentials",
    "aws_secret_access_key",
    "AccountKey",
    "vault.secret_id",
    "passphrase",
];

/// Field names that merely contain a secret word.
pub const HARMLESS_NAMES: &[&str] = &[
    "tokens_used",
    "max_tokens",
    "tokenizer",
    "session_timeout_secs",
    "session.timeout",
    "session_id",
    "process.session_leader.pid",
    "secret_name",
    "secret-name",
    "token_file",
    "password_file",
    "password-stdin",
    "no-password",
    "password_min_length",
    "token_type",
    "token.ttl",
    "cookie_name",
    "credentials_path",
    "AWS_ACCESS_KEY_ID",
    "keys",
    "monkey",
    "broken",
];
