//! Realistic made-up sample data (never a real person) for benchmarks, screenshots and the
//! simulators' demonstrations.

use crate::domain::application::{Application, Delivery, IdentitySource, MaterialState, PaymentState, Person};
use crate::domain::calendar::Date;
use crate::domain::id_number::IdNumber;

/// A made-up resident of Shipu (region 330225 is Xiangshan county; the person is invented).
pub const SAMPLE_ID: &str = "330225199003150027";
pub const SAMPLE_NAME: &str = "陈晓燕";

/// The day the samples are dated (a Thursday, a working day).
pub fn today() -> Date {
    Date::parse("2026-11-26").expect("valid date")
}

/// A made-up person read from a card, for tests: `number` must be a valid ID number.
pub fn person(number: &str, name: &str) -> Person {
    Person {
        id: IdNumber::parse(number).expect("a valid sample ID number"),
        name: Some(name.to_string()),
        sex: None,
        address: Some("浙江省宁波市象山县石浦镇中山路1号".into()),
        source: IdentitySource::Card,
    }
}

pub fn applicant() -> Person {
    Person {
        id: IdNumber::parse(SAMPLE_ID).expect("sample ID number is valid"),
        name: Some(SAMPLE_NAME.into()),
        sex: None,
        address: Some("浙江省象山县石浦镇东门岛渔港路18号".into()),
        source: IdentitySource::Card,
    }
}

pub fn application(uuid: &str) -> Application {
    let today = Date::parse("2026-11-26").expect("valid date");
    Application {
        uuid: uuid.into(),
        item_code: "ID-003".into(),
        applicant: applicant(),
        agent: None,
        form: [
            ("phone".to_string(), "13805740000".to_string()),
            ("replace-reason".to_string(), "lost".to_string()),
        ]
        .into(),
        materials: [
            (
                "household-book".to_string(),
                MaterialState::Captured {
                    photo: "household-book".into(),
                },
            ),
            (
                "id-photo-receipt".to_string(),
                MaterialState::Captured {
                    photo: "id-photo-receipt".into(),
                },
            ),
            (
                "loss-statement".to_string(),
                MaterialState::Promised {
                    deadline: today.add_days(14),
                    signature: None,
                },
            ),
        ]
        .into(),
        delivery: Delivery::Express {
            recipient: SAMPLE_NAME.into(),
            phone: "13805740000".into(),
            address: "浙江省象山县石浦镇东门岛渔港路18号".into(),
        },
        urgent: false,
        payment: PaymentState::Paid {
            fen: 4000,
            reference: "SIM-PAY-0001".into(),
        },
        submitted_on: today,
    }
}

/// The sample application's receipt, as the kiosk would issue it (number 0001 today).
pub fn receipt() -> crate::domain::receipt::Receipt {
    receipt_for(&application("sample"))
}

/// A sample receipt for someone whose name has a rare character (喆, not in GB 2312).
pub fn receipt_with_rare_name() -> crate::domain::receipt::Receipt {
    let mut application = application("sample-rare");
    application.applicant.name = Some("林堃喆".into());
    receipt_for(&application)
}

fn receipt_for(application: &Application) -> crate::domain::receipt::Receipt {
    use crate::domain::catalogue::{Catalogue, Text};
    use crate::domain::receipt::{Receipt, ReceiptContext, ReceiptNumber};
    let catalogue = Catalogue::parse(crate::EMBEDDED_CATALOGUE).expect("embedded catalogue");
    let calendar = crate::domain::calendar::WorkCalendar::default();
    let context = ReceiptContext {
        catalogue: &catalogue,
        calendar: &calendar,
        site_name: Text {
            zh: "象山县石浦镇警务服务站".into(),
            en: "Shipu Town Police Service Point".into(),
        },
        progress_base_url: "https://zwfw.example.gov.cn/progress/",
    };
    let number = ReceiptNumber::issue("XSSP", application.submitted_on, 1).expect("valid prefix");
    // A fixed key, for samples only: a kiosk's own key is random (see the kiosk's `app::progress`).
    let token = crate::domain::progress_key::ProgressKey::from_bytes([0x5A; 32]).token(&number);
    Receipt::for_application(application, number, &token, &context).expect("sample item exists")
}

#[cfg(test)]
mod tests {
    #[test]
    fn sample_data_is_valid() {
        let a = super::application("x");
        assert_eq!(a.applicant.id.masked(), "330225********0027");
    }
}
