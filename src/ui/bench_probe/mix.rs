//! The soak's mix of scripted citizens: what kinds of journey there are and in which order
//! they come (a cycle of ten).

/// An application: the service, the language and elderly mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Apply {
    pub item: &'static str,
    pub english: bool,
    pub elderly: bool,
}

impl Default for Apply {
    /// 居民身份证 补领 in Chinese: the ID card read, the form, two camera materials and a
    /// promise, payment, the receipt printed, the rating.
    fn default() -> Self {
        Apply {
            item: "ID-003",
            english: false,
            elderly: false,
        }
    }
}

/// What one scripted citizen does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Journey {
    Apply(Apply),
    /// 查询进度 with the ID card on the reader.
    Progress,
    /// 预约 a half-hour at the window; the slip prints.
    Appointment,
    /// 咨询投诉: a complaint with a phrase and a number.
    Complaint,
    /// A citizen who walks away after choosing a service: the idle warning, then the wipe.
    IdleWipe,
}

impl Journey {
    /// The soak's mix, in a cycle of ten.
    pub fn of_soak(n: u32) -> Journey {
        let zh = Apply::default();
        match n % 10 {
            0 => Journey::Apply(zh),
            1 => Journey::Progress,
            2 => Journey::Apply(Apply { elderly: true, ..zh }),
            3 => Journey::Appointment,
            4 => Journey::Apply(Apply { english: true, ..zh }),
            5 => Journey::Complaint,
            6 => Journey::Apply(Apply { item: "ID-001", ..zh }),
            7 => Journey::IdleWipe,
            8 => Journey::Progress,
            _ => Journey::Apply(Apply {
                english: true,
                elderly: true,
                ..zh
            }),
        }
    }
}
