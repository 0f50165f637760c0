//! The 2nd-generation ID card reader: the SAM protocol (`protocol`), card layouts
//! (`card_data`), the command/response link with deadlines and one resend (`link`), the
//! production polling driver on a serial port (`serial`), a pty simulator that speaks the
//! protocol (`sim`), made-up fixture cards (`fixtures`) and the photo decoder seam (`photo`).

pub mod card_data;
pub mod fixtures;
pub mod link;
pub mod photo;
pub mod protocol;
pub mod serial;
pub mod sim;

use super::DeviceErrorKind;
use crate::domain::application::{IdentitySource, Person};
use crate::domain::id_number::Sex;
use crate::domain::masking::mask_address;
use card_data::{CardSex, CardText};
use serde::Serialize;
use std::fmt;

/// One card as read: text fields, the raw WLT photo, fingerprints, appended address.
#[derive(Clone, PartialEq, Eq)]
pub struct Card {
    pub text: CardText,
    /// Raw WLT bytes (decoded only through a vendor [`photo::PhotoDecoder`]).
    pub photo: Vec<u8>,
    /// `None` when read with `30 01`; empty when the card holds no fingerprint.
    pub fingerprint: Option<Vec<u8>>,
    pub appended_address: Option<String>,
}

impl Card {
    /// The person for an application: the appended (newest) address wins.
    pub fn person(&self) -> Person {
        Person {
            id: self.text.id_number.clone(),
            name: Some(if self.text.name.is_empty() {
                self.text.name_en.clone().unwrap_or_default()
            } else {
                self.text.name.clone()
            }),
            sex: match self.text.sex {
                CardSex::Male => Some(Sex::Male),
                CardSex::Female => Some(Sex::Female),
                _ => None,
            },
            address: self.appended_address.clone().or_else(|| self.text.address.clone()),
            source: IdentitySource::Card,
        }
    }

    pub fn has_fingerprint(&self) -> bool {
        self.fingerprint.as_ref().is_some_and(|f| !f.is_empty())
    }
}

impl fmt::Debug for Card {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Card")
            .field("text", &self.text)
            .field("photo_bytes", &self.photo.len())
            .field("fingerprint_bytes", &self.fingerprint.as_ref().map(Vec::len))
            .field("appended_address", &self.appended_address.as_deref().map(mask_address))
            .finish()
    }
}

/// What the reader is doing, for the UI, diagnostics and the status page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "state")]
pub enum ReaderState {
    /// Opening the port / checking the SAM.
    Connecting,
    /// Ready; no card (or the last card is still on it, already read).
    Ready,
    /// A card was found and is being read: "keep your card still".
    Reading,
    /// A card was read: "please lift your card".
    LiftCard,
    /// Out of order; the driver keeps trying to recover.
    Fault { kind: DeviceErrorKind, detail: String },
}

/// Events the driver publishes to the app (from its own thread).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReaderEvent {
    State(ReaderState),
    CardRead(Box<Card>),
    /// A card was on the reader but could not be read: a citizen-facing key and the detail.
    ReadFailed {
        key: crate::domain::message::Message,
        detail: String,
    },
    /// The card watched for with [`CardReader::watch_for_lift`] is no longer on the reader.
    CardLifted,
}

/// Counters and facts for technicians (no personal data).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ReaderDiagnostics {
    pub port: String,
    pub sam_id: Option<String>,
    pub cards_read: u64,
    pub read_failures: u64,
    pub reconnects: u64,
    pub resends: u64,
    pub skipped_bytes: u64,
    pub photo_decoder: String,
}

/// The capability the app needs from an ID card reader. Implementations run their own
/// thread and deliver [`ReaderEvent`]s to the listener given at construction; these calls
/// never block on the device.
pub trait CardReader: Send {
    /// Start looking for cards (the identify step is on screen).
    fn start_reading(&self);
    /// Stop looking for cards (privacy: no reads when nobody is identifying).
    fn stop_reading(&self);
    /// Watch (without reading) until the card on the reader is lifted, then report
    /// [`ReaderEvent::CardLifted`]; false when this reader cannot tell. Reading again ends
    /// the watch.
    fn watch_for_lift(&self) -> bool {
        false
    }
    fn state(&self) -> ReaderState;
    fn diagnostics(&self) -> ReaderDiagnostics;
}

pub type ReaderListener = Box<dyn Fn(ReaderEvent) + Send + Sync>;
