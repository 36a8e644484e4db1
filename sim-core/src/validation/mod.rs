//! API-server defaulting and validation, as the named Kubernetes version does it, with
//! Kubernetes' field paths and wording (`k8s.io/apimachinery/pkg/util/validation/field`).

pub mod cronjob;
pub mod job;
pub mod pod;

use std::fmt;

/// `field.ErrorType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorType {
    /// `Required value`
    Required,
    /// `Invalid value`
    Invalid,
    /// `Unsupported value`
    NotSupported,
    /// `Forbidden`
    Forbidden,
    /// `Too long`
    TooLong,
    /// `Too many`
    TooMany,
    /// `Duplicate value`
    Duplicate,
}

impl ErrorType {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorType::Required => "Required value",
            ErrorType::Invalid => "Invalid value",
            ErrorType::NotSupported => "Unsupported value",
            ErrorType::Forbidden => "Forbidden",
            ErrorType::TooLong => "Too long",
            ErrorType::TooMany => "Too many",
            ErrorType::Duplicate => "Duplicate value",
        }
    }
}

/// `field.Error`: rendered exactly as the API server does (`field.Error.Error()`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub type_: ErrorType,
    /// Field path, e.g. `spec.template.spec.restartPolicy`.
    pub field: String,
    /// The offending value, rendered as Go's `%#v`-ish form the API server prints
    /// (`"Always"`, `-1`); `None` for Required/Forbidden without a value.
    pub bad_value: Option<String>,
    pub detail: String,
}

impl FieldError {
    pub fn required(field: impl Into<String>, detail: impl Into<String>) -> FieldError {
        FieldError {
            type_: ErrorType::Required,
            field: field.into(),
            bad_value: None,
            detail: detail.into(),
        }
    }
    pub fn invalid(
        field: impl Into<String>,
        value: impl Into<String>,
        detail: impl Into<String>,
    ) -> FieldError {
        FieldError {
            type_: ErrorType::Invalid,
            field: field.into(),
            bad_value: Some(value.into()),
            detail: detail.into(),
        }
    }
    pub fn not_supported(
        field: impl Into<String>,
        value: impl Into<String>,
        supported: &[&str],
    ) -> FieldError {
        let list = supported
            .iter()
            .map(|s| format!("{s:?}"))
            .collect::<Vec<_>>()
            .join(", ");
        FieldError {
            type_: ErrorType::NotSupported,
            field: field.into(),
            bad_value: Some(value.into()),
            detail: format!("supported values: {list}"),
        }
    }
    pub fn forbidden(field: impl Into<String>, detail: impl Into<String>) -> FieldError {
        FieldError {
            type_: ErrorType::Forbidden,
            field: field.into(),
            bad_value: None,
            detail: detail.into(),
        }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.type_.as_str())?;
        if let Some(v) = &self.bad_value {
            write!(f, ": {v}")?;
        }
        if !self.detail.is_empty() {
            write!(f, ": {}", self.detail)?;
        }
        Ok(())
    }
}

/// `dns1123LabelFmt`, `[a-z0-9]([-a-z0-9]*[a-z0-9])?`, without `IsDNS1123Label`'s length limit.
pub(crate) fn matches_dns1123_label(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        && b[0] != b'-'
        && b[b.len() - 1] != b'-'
}

/// `IsDNS1123Label` (apimachinery `pkg/util/validation`): its messages, none when `s` is a
/// label. A valid subdomain that is not a label can only have dots in it.
pub fn dns1123_label_errors(s: &str) -> Vec<&'static str> {
    let mut out = Vec::new();
    if s.len() > 63 {
        out.push("must be no more than 63 characters");
    }
    if !matches_dns1123_label(s) {
        if s.split('.').all(matches_dns1123_label) {
            out.push("must not contain dots");
        } else {
            out.push("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')");
        }
    }
    out
}

/// `IsDNS1123Subdomain` (apimachinery `pkg/util/validation`): its messages, none when `s` is a
/// subdomain.
pub fn dns1123_subdomain_errors(s: &str) -> Vec<&'static str> {
    let mut out = Vec::new();
    if s.len() > 253 {
        out.push("must be no more than 253 characters");
    }
    if !s.split('.').all(matches_dns1123_label) {
        out.push("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')");
    }
    out
}

/// `IsDNS1035Label` (apimachinery `pkg/util/validation`): its messages, none when `s` is a
/// DNS-1035 label (a DNS-1123 label that starts with a letter; `ValidateServiceName`).
pub fn dns1035_label_errors(s: &str) -> Vec<&'static str> {
    let mut out = Vec::new();
    if s.len() > 63 {
        out.push("must be no more than 63 characters");
    }
    if !(matches_dns1123_label(s) && s.as_bytes()[0].is_ascii_lowercase()) {
        out.push("a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')");
    }
    out
}

/// A warning the API server returns with a successful request (e.g. `CRON_TZ` in a schedule
/// before 1.29).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    pub field: String,
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// apimachinery pkg/util/validation `TestIsDNS1035Label` (v1.33): its good and bad values.
    #[test]
    fn is_dns1035_label() {
        let long = "a".repeat(63);
        for good in ["a", "ab", "abc", "a1", "a-1", "a--1--2--b", long.as_str()] {
            assert_eq!(dns1035_label_errors(good), Vec::<&str>::new(), "{good}");
        }
        let too_long = "a".repeat(64);
        for bad in [
            "0",
            "01",
            "012",
            "1a",
            "1-a",
            "1--a--b--2",
            "",
            "A",
            "ABC",
            "aBc",
            "A1",
            "A-1",
            "1-A",
            "-",
            "a-",
            "-a",
            "1-",
            "-1",
            "_",
            "a_",
            "_a",
            "a_b",
            "1_",
            "_1",
            "1_2",
            ".",
            "a.",
            ".a",
            "a.b",
            "1.",
            ".1",
            "1.2",
            " ",
            "a ",
            " a",
            "a b",
            "1 ",
            " 1",
            "1 2",
            too_long.as_str(),
        ] {
            assert!(!dns1035_label_errors(bad).is_empty(), "{bad:?}");
        }
        assert_eq!(
            dns1035_label_errors(&too_long),
            vec!["must be no more than 63 characters"]
        );
    }

    #[test]
    fn renders_like_the_api_server() {
        let e = FieldError::required(
            "spec.template.spec.restartPolicy",
            r#"valid values: "OnFailure", "Never""#,
        );
        assert_eq!(
            e.to_string(),
            r#"spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never""#
        );
        let e = FieldError::not_supported(
            "spec.concurrencyPolicy",
            "\"Sometimes\"",
            &["Allow", "Forbid", "Replace"],
        );
        assert_eq!(
            e.to_string(),
            r#"spec.concurrencyPolicy: Unsupported value: "Sometimes": supported values: "Allow", "Forbid", "Replace""#
        );
    }
}
