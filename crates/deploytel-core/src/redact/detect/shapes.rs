//! Tokens recognised by their shape alone: a fixed prefix and a body of known characters and
//! length, as the services that issue them document them (and as public secret-scanning rule
//! sets describe them). They are masked whole, prefix included, under any field name.

/// The characters a token's body is made of.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Body {
    /// `A-Z a-z 0-9`.
    Alnum,
    /// `A-Z 0-9`.
    UpperAlnum,
    /// `a-z 0-9`.
    LowerAlnum,
    /// `0-9 a-f`.
    LowerHex,
    /// `A-Z a-z 0-9 _ -`: base64url.
    Base64Url,
    /// base64url and `.`, for tokens made of several dotted parts.
    Dotted,
    /// `A-Z a-z 0-9 + / _ -`, with `=` padding allowed at the end.
    Base64,
}

impl Body {
    pub(crate) fn admits(self, b: u8) -> bool {
        match self {
            Body::Alnum => b.is_ascii_alphanumeric(),
            Body::UpperAlnum => b.is_ascii_uppercase() || b.is_ascii_digit(),
            Body::LowerAlnum => b.is_ascii_lowercase() || b.is_ascii_digit(),
            Body::LowerHex => b.is_ascii_digit() || (b'a'..=b'f').contains(&b),
            Body::Base64Url => b.is_ascii_alphanumeric() || b == b'_' || b == b'-',
            Body::Dotted => b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'),
            Body::Base64 => b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'_' | b'-'),
        }
    }
}

/// One token format.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Shape {
    /// Who issues it and what it is, for documentation and test reports.
    pub(crate) family: &'static str,
    pub(crate) prefix: &'static str,
    pub(crate) body: Body,
    /// Shortest and longest body, in bytes.
    pub(crate) min: usize,
    pub(crate) max: usize,
}

const fn shape(
    family: &'static str,
    prefix: &'static str,
    body: Body,
    min: usize,
    max: usize,
) -> Shape {
    Shape {
        family,
        prefix,
        body,
        min,
        max,
    }
}

use Body::*;

/// Every token format recognised by its prefix. Prefixes are at least two bytes long, so that
/// the first two bytes of a word rule out nearly every ordinary word at once.
pub(crate) const SHAPES: &[Shape] = &[
    // Version control hosts.
    shape("GitHub personal access token", "ghp_", Alnum, 36, 36),
    shape("GitHub OAuth access token", "gho_", Alnum, 36, 36),
    shape("GitHub user-to-server token", "ghu_", Alnum, 36, 36),
    shape("GitHub server-to-server token", "ghs_", Alnum, 36, 36),
    shape("GitHub refresh token", "ghr_", Alnum, 36, 80),
    shape(
        "GitHub fine-grained token",
        "github_pat_",
        Base64Url,
        70,
        100,
    ),
    shape("GitLab personal access token", "glpat-", Dotted, 20, 120),
    shape("GitLab pipeline trigger token", "glptt-", LowerHex, 40, 40),
    shape("GitLab runner token", "glrt-", Dotted, 20, 120),
    shape("GitLab deploy token", "gldt-", Base64Url, 20, 64),
    shape("GitLab CI job token", "glcbt-", Base64Url, 20, 80),
    shape("Bitbucket app password", "ATBB", Alnum, 28, 40),
    // Chat.
    shape("Slack bot token", "xoxb-", Base64Url, 20, 250),
    shape("Slack user token", "xoxp-", Base64Url, 20, 250),
    shape("Slack workspace token", "xoxa-", Base64Url, 20, 250),
    shape("Slack refresh token", "xoxr-", Base64Url, 20, 250),
    shape("Slack legacy token", "xoxs-", Base64Url, 20, 250),
    shape("Slack configuration token", "xoxe.xox", Base64Url, 20, 250),
    shape("Slack app-level token", "xapp-", Base64Url, 20, 250),
    // Payments.
    shape("Stripe secret key", "sk_live_", Alnum, 20, 247),
    shape("Stripe test secret key", "sk_test_", Alnum, 20, 247),
    shape("Stripe restricted key", "rk_live_", Alnum, 20, 247),
    shape("Stripe test restricted key", "rk_test_", Alnum, 20, 247),
    shape("Stripe webhook signing secret", "whsec_", Base64, 24, 64),
    shape("Square access token", "sq0atp-", Base64Url, 22, 60),
    shape("Square application secret", "sq0csp-", Base64Url, 40, 60),
    shape("Shippo live token", "shippo_live_", LowerHex, 40, 40),
    // Clouds and hosting.
    shape("AWS access key id", "AKIA", UpperAlnum, 16, 16),
    shape("AWS temporary access key id", "ASIA", UpperAlnum, 16, 16),
    shape("AWS IAM user id", "AIDA", UpperAlnum, 16, 16),
    shape("AWS role id", "AROA", UpperAlnum, 16, 16),
    shape("AWS group id", "AGPA", UpperAlnum, 16, 16),
    shape("AWS instance profile id", "AIPA", UpperAlnum, 16, 16),
    shape("AWS managed policy id", "ANPA", UpperAlnum, 16, 16),
    shape("AWS certificate id", "ASCA", UpperAlnum, 16, 16),
    shape("AWS public key id", "APKA", UpperAlnum, 16, 16),
    shape("Google API key", "AIza", Base64Url, 35, 35),
    shape("Google OAuth client secret", "GOCSPX-", Base64Url, 28, 28),
    shape("Google OAuth access token", "ya29.", Base64Url, 30, 2048),
    shape("Alibaba Cloud access key id", "LTAI", Alnum, 12, 24),
    shape("DigitalOcean personal token", "dop_v1_", LowerHex, 64, 64),
    shape("DigitalOcean OAuth token", "doo_v1_", LowerHex, 64, 64),
    shape("DigitalOcean refresh token", "dor_v1_", LowerHex, 64, 64),
    shape("Heroku API key", "HRKU-", Base64Url, 30, 80),
    shape("Fly.io token", "fo1_", Base64Url, 40, 50),
    shape("Databricks token", "dapi", LowerHex, 32, 34),
    shape("Supabase token", "sbp_", LowerHex, 40, 40),
    shape("PlanetScale token", "pscale_tkn_", Base64Url, 32, 64),
    shape("PlanetScale password", "pscale_pw_", Base64Url, 32, 64),
    shape(
        "PlanetScale OAuth token",
        "pscale_oauth_",
        Base64Url,
        32,
        64,
    ),
    shape("Tailscale key", "tskey-", Base64Url, 20, 100),
    shape("Mapbox secret token", "sk.eyJ", Dotted, 60, 300),
    // Infrastructure tools.
    shape("HashiCorp Vault service token", "hvs.", Base64Url, 24, 400),
    shape("HashiCorp Vault batch token", "hvb.", Base64Url, 24, 400),
    shape("HashiCorp Vault recovery token", "hvr.", Base64Url, 24, 400),
    shape("Pulumi access token", "pul-", LowerHex, 40, 40),
    shape("Doppler personal token", "dp.pt.", Alnum, 40, 44),
    shape("Doppler service token", "dp.st.", Dotted, 40, 80),
    shape("Doppler service account token", "dp.sa.", Alnum, 40, 44),
    shape("Doppler CLI token", "dp.ct.", Alnum, 40, 44),
    shape("age secret key", "AGE-SECRET-KEY-1", UpperAlnum, 58, 58),
    shape("Buildkite agent token", "bkua_", LowerHex, 40, 40),
    shape("CircleCI personal token", "CCIPAT_", Base64Url, 30, 80),
    shape("JFrog API key", "AKCp", Alnum, 60, 80),
    // Package registries.
    shape("npm access token", "npm_", Alnum, 36, 36),
    shape(
        "PyPI upload token",
        "pypi-AgEIcHlwaS5vcmc",
        Base64Url,
        50,
        1000,
    ),
    shape("Docker Hub access token", "dckr_pat_", Base64Url, 27, 64),
    shape("RubyGems API key", "rubygems_", LowerHex, 48, 48),
    shape("NuGet API key", "oy2", LowerAlnum, 43, 43),
    shape("Clojars deploy token", "CLOJARS_", LowerAlnum, 60, 60),
    // Software-as-a-service APIs.
    shape("OpenAI project key", "sk-proj-", Base64Url, 40, 200),
    shape(
        "OpenAI service account key",
        "sk-svcacct-",
        Base64Url,
        40,
        200,
    ),
    shape("OpenAI admin key", "sk-admin-", Base64Url, 40, 200),
    shape("Anthropic API key", "sk-ant-", Base64Url, 80, 120),
    shape("Hugging Face token", "hf_", Alnum, 34, 40),
    shape("SendGrid API key", "SG.", Dotted, 66, 66),
    shape("Mailgun API key", "key-", LowerHex, 32, 32),
    shape("Atlassian API token", "ATATT3", Base64, 150, 300),
    shape("Linear API key", "lin_api_", Alnum, 40, 40),
    shape("Postman API key", "PMAK-", Base64Url, 59, 59),
    shape("Sentry organisation token", "sntrys_", Base64, 60, 400),
    shape("Sentry user token", "sntryu_", LowerHex, 64, 64),
    shape("New Relic user key", "NRAK-", UpperAlnum, 27, 27),
    shape("Grafana Cloud token", "glc_", Base64, 32, 400),
    shape("Grafana service account token", "glsa_", Base64Url, 41, 41),
    shape("Figma personal token", "figd_", Base64Url, 40, 45),
    shape("Shopify access token", "shpat_", LowerHex, 32, 32),
    shape("Shopify custom app token", "shpca_", LowerHex, 32, 32),
    shape("Shopify private app token", "shppa_", LowerHex, 32, 32),
    shape("Shopify shared secret", "shpss_", LowerHex, 32, 32),
];

/// Bit `a * 256 + b` is set when some shape's prefix starts with the bytes `a`, `b`.
static FIRST_TWO: [u64; 1024] = {
    let mut bits = [0u64; 1024];
    let mut i = 0;
    while i < SHAPES.len() {
        let prefix = SHAPES[i].prefix.as_bytes();
        let bit = prefix[0] as usize * 256 + prefix[1] as usize;
        bits[bit / 64] |= 1 << (bit % 64);
        i += 1;
    }
    bits
};

/// Whether some shape's prefix starts with these two bytes.
// hot: once per long word
#[inline]
pub(crate) fn may_start(first: u8, second: u8) -> bool {
    let bit = usize::from(first) * 256 + usize::from(second);
    FIRST_TWO[bit / 64] & (1 << (bit % 64)) != 0
}

/// The end of the token that starts at `start`, if one of the shapes does.
#[inline]
pub(crate) fn token_at(bytes: &[u8], start: usize) -> Option<usize> {
    let (&first, &second) = (bytes.get(start)?, bytes.get(start + 1)?);
    if may_start(first, second) {
        token_with_prefix_at(bytes, start)
    } else {
        None
    }
}

/// [`token_at`] once the first two bytes matched some prefix.
fn token_with_prefix_at(bytes: &[u8], start: usize) -> Option<usize> {
    SHAPES
        .iter()
        .filter(|s| bytes[start..].starts_with(s.prefix.as_bytes()))
        .find_map(|s| body_end(s, bytes, start + s.prefix.len()))
}

/// The end of `shape`'s body starting at `from`, if the bytes there are one.
fn body_end(shape: &Shape, bytes: &[u8], from: usize) -> Option<usize> {
    let limit = bytes.len().min(from + shape.max + 1);
    let mut end = bytes[from..limit]
        .iter()
        .position(|&b| !shape.body.admits(b))
        .map_or(limit, |n| from + n);
    let len = end - from;
    if len < shape.min || len > shape.max {
        return None;
    }
    if shape.body == Body::Base64 {
        end += bytes[end..]
            .iter()
            .take(2)
            .take_while(|&&b| b == b'=')
            .count();
    }
    // The token must end where its characters do: `ghp_…` followed by more letters is some
    // other, longer word.
    let ends_cleanly = bytes.get(end).is_none_or(|&b| !b.is_ascii_alphanumeric());
    (ends_cleanly && looks_random(&bytes[from..from + len], shape.body)).then_some(end)
}

/// Whether a body looks generated rather than written: it mixes at least two of lowercase,
/// uppercase and digits (hex bodies: letters and digits). Descriptive names that happen to
/// start like a token (`sk_test_helper_functions`) do not.
pub(crate) fn looks_random(body: &[u8], kind: Body) -> bool {
    let lower = body.iter().any(u8::is_ascii_lowercase);
    let upper = body.iter().any(u8::is_ascii_uppercase);
    let digit = body.iter().any(u8::is_ascii_digit);
    match kind {
        Body::LowerHex | Body::LowerAlnum => digit,
        Body::UpperAlnum => digit || upper && body.len() >= 16,
        _ => usize::from(lower) + usize::from(upper) + usize::from(digit) >= 2,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_prefix_is_at_least_two_bytes_and_every_length_range_is_sane() {
        for shape in SHAPES {
            assert!(shape.prefix.len() >= 2, "{}", shape.family);
            assert!(shape.min > 0 && shape.min <= shape.max, "{}", shape.family);
        }
    }
}
