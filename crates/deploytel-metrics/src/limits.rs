//! How many series a family may have and how long a label value may be.

use crate::label::MIN_MAX_LEN;

/// Bounds that keep a family's series count and size in check whatever the label values are.
///
/// ```
/// use deploytel_metrics::Limits;
///
/// let limits = Limits::default().max_series(200).max_label_len(64);
/// assert_eq!(limits.series(), 200);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    max_series: usize,
    max_label_len: usize,
}

impl Default for Limits {
    /// 1,000 label combinations per family, label values of at most 128 bytes.
    fn default() -> Self {
        Limits {
            max_series: 1_000,
            max_label_len: 128,
        }
    }
}

impl Limits {
    /// Distinct label combinations a family keeps before it sends new ones to its overflow
    /// series.
    pub fn max_series(mut self, max_series: usize) -> Self {
        self.max_series = max_series;
        self
    }

    /// Longest label value in bytes; longer values are cut and marked with a hash. Values below
    /// 18 are raised to 18, the room the hash needs.
    pub fn max_label_len(mut self, max_label_len: usize) -> Self {
        self.max_label_len = max_label_len.max(MIN_MAX_LEN);
        self
    }

    /// The series limit.
    pub fn series(&self) -> usize {
        self.max_series
    }

    /// The label length limit.
    pub fn label_len(&self) -> usize {
        self.max_label_len
    }
}
