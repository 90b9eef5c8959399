//! What an `EcsLayerBuilder` fixes for its layer: the constant parts of every line, rendered
//! once, and the naming rules.

use deploytel_core::Redactor;

use crate::reserved::ReservedKeys;
use crate::timestamp::TimestampPrecision;

/// What the builder fixed: pre-rendered constant parts of the line and the naming rules.
#[derive(Debug)]
pub(crate) struct Config {
    /// `,"ecs.version":"…","log.logger":`
    pub(crate) after_message: Box<[u8]>,
    /// `,"service.name":"…",…,"labels":{…}`
    pub(crate) static_fields: Box<[u8]>,
    pub(crate) reserved: ReservedKeys,
    pub(crate) redactor: Redactor,
    pub(crate) origin: bool,
    pub(crate) precision: TimestampPrecision,
}
