//! Every problem a citizen can be told about, as one typed value. The domain, the app layer
//! and the device adapters produce a [`Message`]; the view layer turns it into text with an
//! exhaustive match (`app::view::i18n::text`), so a message without a text in every language
//! does not compile. `key()` is the stable name used in logs, JSON and tests.
//! Pure: must not import any I/O crate.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Message {
    // The ID number typed on the keypad (or in a form field).
    IdLength,
    IdCharacter,
    IdBirthDate,
    IdCheckDigit,
    IdRegion,
    // Form fields.
    FormRequired,
    FormPhone,
    FormChoice,
    FormDate,
    FormDateRange,
    FormNumber,
    FormNumberRange,
    FormTooLong,
    /// Not a valid 统一社会信用代码 (length, characters or check character).
    FormCreditCode,
    /// A value for a field the service does not have (a stale draft, a bug).
    FormUnknownField,
    /// The form was sent with no service chosen.
    FormNoItem,
    // The guide.
    GuideNoProxy,
    GuideOnlineOnly,
    // Identification.
    IdentifySamePerson,
    /// The service needs the physical card: a typed number is refused.
    IdentifyCardRequired,
    // Materials.
    MaterialsIncomplete,
    MaterialsNotDeferrable,
    MaterialsUnknown,
    // Review and payment.
    ReviewNoExpress,
    ReviewNoUrgent,
    PaymentFailed,
    /// The payment QR ran out before it was paid: a new one can be made.
    PaymentExpired,
    /// No payment order can be made now (the central system is not reachable).
    PaymentUnavailable,
    // Submitting.
    SubmitDiskFull,
    SubmitIncomplete,
    SubmitStorage,
    // The central system (progress, payment, appointments, rating, complaint).
    /// Offline or not answering: the application itself is kept and sent later.
    CentralOffline,
    /// The central system refused the request.
    CentralRefused,
    /// This kiosk sent its day's quota of photos: what is queued goes on tomorrow.
    CentralDailyQuota,
    /// The photos are more than the central system takes for one application.
    CentralTooLarge,
    /// No such receipt, order or booking.
    CentralNotFound,
    // A delivery address.
    AddressDivision,
    AddressStreet,
    AddressRecipient,
    AddressPhone,
    // The card reader.
    ReaderCardNotAccepted,
    ReaderCardType,
    ReaderReadAgain,
    ReaderNoCard,
    ReaderOutOfOrder,
    // The document camera.
    CameraUnavailable,
    CameraRetake,
    // 查询进度.
    ProgressBadReceipt,
    /// A typed receipt number needs the last six characters of the applicant's ID number.
    ProgressIdTailNeeded,
    /// Too many wrong tries for this receipt or at this kiosk: wait a while.
    ProgressTooManyTries,
    /// 补交材料 after a typed number: the card or the receipt's QR code is needed.
    SupplyNeedsProof,
    // 预约.
    /// The phone number for the reminder is not a mobile number.
    AppointmentPhone,
    /// Somebody else took the slot's last place meanwhile.
    AppointmentSlotTaken,
    // 咨询投诉.
    /// Nothing written yet.
    ConsultText,
    /// The phone number for the call back is not a mobile number.
    ConsultPhone,
    // 容缺 promise.
    /// The signature pad is empty or holds only a dot.
    PromiseUnsigned,
}

impl Message {
    /// Every variant, for completeness tests.
    pub const ALL: [Message; 56] = [
        Message::IdLength,
        Message::IdCharacter,
        Message::IdBirthDate,
        Message::IdCheckDigit,
        Message::IdRegion,
        Message::FormRequired,
        Message::FormPhone,
        Message::FormChoice,
        Message::FormDate,
        Message::FormDateRange,
        Message::FormNumber,
        Message::FormNumberRange,
        Message::FormTooLong,
        Message::FormCreditCode,
        Message::FormUnknownField,
        Message::FormNoItem,
        Message::GuideNoProxy,
        Message::GuideOnlineOnly,
        Message::IdentifySamePerson,
        Message::IdentifyCardRequired,
        Message::MaterialsIncomplete,
        Message::MaterialsNotDeferrable,
        Message::MaterialsUnknown,
        Message::ReviewNoExpress,
        Message::ReviewNoUrgent,
        Message::PaymentFailed,
        Message::PaymentExpired,
        Message::PaymentUnavailable,
        Message::SubmitDiskFull,
        Message::SubmitIncomplete,
        Message::SubmitStorage,
        Message::CentralOffline,
        Message::CentralRefused,
        Message::CentralDailyQuota,
        Message::CentralTooLarge,
        Message::CentralNotFound,
        Message::AddressDivision,
        Message::AddressStreet,
        Message::AddressRecipient,
        Message::AddressPhone,
        Message::ReaderCardNotAccepted,
        Message::ReaderCardType,
        Message::ReaderReadAgain,
        Message::ReaderNoCard,
        Message::ReaderOutOfOrder,
        Message::CameraUnavailable,
        Message::CameraRetake,
        Message::ProgressBadReceipt,
        Message::ProgressIdTailNeeded,
        Message::ProgressTooManyTries,
        Message::SupplyNeedsProof,
        Message::AppointmentPhone,
        Message::AppointmentSlotTaken,
        Message::ConsultText,
        Message::ConsultPhone,
        Message::PromiseUnsigned,
    ];

    /// The stable name, e.g. `form.error.required`.
    pub fn key(self) -> &'static str {
        use Message::*;
        match self {
            IdLength => "id.error.length",
            IdCharacter => "id.error.character",
            IdBirthDate => "id.error.birth-date",
            IdCheckDigit => "id.error.check-digit",
            IdRegion => "id.error.region",
            FormRequired => "form.error.required",
            FormPhone => "form.error.phone",
            FormChoice => "form.error.choice",
            FormDate => "form.error.date",
            FormDateRange => "form.error.date-range",
            FormNumber => "form.error.number",
            FormNumberRange => "form.error.number-range",
            FormTooLong => "form.error.too-long",
            FormCreditCode => "form.error.credit-code",
            FormUnknownField => "form.error.unknown-field",
            FormNoItem => "form.error.no-item",
            GuideNoProxy => "guide.error.no-proxy",
            GuideOnlineOnly => "guide.error.online-only",
            IdentifySamePerson => "identify.error.same-person",
            IdentifyCardRequired => "identify.error.card-required",
            MaterialsIncomplete => "materials.error.incomplete",
            MaterialsNotDeferrable => "materials.error.not-deferrable",
            MaterialsUnknown => "materials.error.unknown",
            ReviewNoExpress => "review.error.no-express",
            ReviewNoUrgent => "review.error.no-urgent",
            PaymentFailed => "payment.error.failed",
            PaymentExpired => "payment.error.expired",
            PaymentUnavailable => "payment.error.unavailable",
            SubmitDiskFull => "submit.error.disk-full",
            SubmitIncomplete => "submit.error.incomplete",
            SubmitStorage => "submit.error.storage",
            CentralOffline => "central.error.offline",
            CentralRefused => "central.error.refused",
            CentralDailyQuota => "central.error.daily-quota",
            CentralTooLarge => "central.error.too-large",
            CentralNotFound => "central.error.not-found",
            AddressDivision => "address.error.division",
            AddressStreet => "address.error.street",
            AddressRecipient => "address.error.recipient",
            AddressPhone => "address.error.phone",
            ReaderCardNotAccepted => "reader.error.card-not-accepted",
            ReaderCardType => "reader.error.card-type",
            ReaderReadAgain => "reader.error.read-again",
            ReaderNoCard => "reader.error.no-card",
            ReaderOutOfOrder => "reader.error.out-of-order",
            CameraUnavailable => "camera.error.unavailable",
            CameraRetake => "camera.error.retake",
            ProgressBadReceipt => "progress.error.receipt",
            ProgressIdTailNeeded => "progress.error.id-tail",
            ProgressTooManyTries => "progress.error.too-many-tries",
            SupplyNeedsProof => "supply.error.proof",
            AppointmentPhone => "appointment.error.phone",
            AppointmentSlotTaken => "appointment.error.slot-taken",
            ConsultText => "consult.error.text",
            ConsultPhone => "consult.error.phone",
            PromiseUnsigned => "promise.error.unsigned",
        }
    }
}

impl std::fmt::Display for Message {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.key())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_unique_and_all_is_complete() {
        let mut keys: Vec<_> = Message::ALL.iter().map(|m| m.key()).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), Message::ALL.len());
    }
}
