//! Metadata values: scalars only, so that one key always maps to one Elasticsearch type.

/// A value of an audit event's metadata (`deploytel.audit.metadata.*`).
#[derive(Clone, Debug, PartialEq)]
pub enum MetadataValue {
    /// Text; passes through the redactor.
    Text(String),
    /// A whole number.
    Integer(i64),
    /// A number with a fraction; a non-finite one is written as text.
    Float(f64),
    /// A flag.
    Bool(bool),
}

impl From<&str> for MetadataValue {
    fn from(value: &str) -> Self {
        MetadataValue::Text(value.to_owned())
    }
}

impl From<String> for MetadataValue {
    fn from(value: String) -> Self {
        MetadataValue::Text(value)
    }
}

impl From<i64> for MetadataValue {
    fn from(value: i64) -> Self {
        MetadataValue::Integer(value)
    }
}

impl From<u32> for MetadataValue {
    fn from(value: u32) -> Self {
        MetadataValue::Integer(i64::from(value))
    }
}

impl From<i32> for MetadataValue {
    fn from(value: i32) -> Self {
        MetadataValue::Integer(i64::from(value))
    }
}

impl From<f64> for MetadataValue {
    fn from(value: f64) -> Self {
        MetadataValue::Float(value)
    }
}

impl From<bool> for MetadataValue {
    fn from(value: bool) -> Self {
        MetadataValue::Bool(value)
    }
}
