//! What the kiosk's GPIO outputs show and what its inputs mean, as a pure function of the
//! app's state, the debounced input edges and the time (injected, in milliseconds):
//!
//! * LEDs: **ready** (steady) when nobody is being served; **busy** (steady) during a
//!   session; **attention** instead of both when someone must come: blinking (1 s period)
//!   on a device fault, paper out or a citizen's 呼叫工作人员, steady while the paper is
//!   only low (replace the roll soon).
//! * Screen: the presence sensor wakes it (from the attract loop); it dims after
//!   `dim_after_ms` without a touch and nobody in front of it.
//! * Paper-low: reported, so that printer status shows it.
//! * Safe state (start, shutdown): every LED off, backlight full.

use crate::devices::gpio::{role, Edge};

/// One blink: on for the first half, off for the second.
pub const BLINK_PERIOD_MS: u64 = 1000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PolicySettings {
    pub dim_after_ms: u64,
    pub dim_percent: u8,
}

impl PolicySettings {
    pub fn from_config(gpio: &crate::config::GpioConfig) -> PolicySettings {
        PolicySettings {
            dim_after_ms: gpio.dim_after_secs.saturating_mul(1000),
            dim_percent: gpio.dim_percent.min(100),
        }
    }
}

/// What the app tells the policy about itself.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KioskSignals {
    /// A citizen is past the welcome page.
    pub session_active: bool,
    /// A citizen pressed 呼叫工作人员.
    pub staff_called: bool,
    /// The card reader or printer is out of order.
    pub device_fault: bool,
    /// The printer reported paper out.
    pub paper_out: bool,
    /// Goes up by one with every touch (or other citizen input) the app handles.
    pub activity: u64,
    /// A technician's LED test: every LED on (`true`) or off (`false`) instead of the policy.
    pub led_test: Option<bool>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Indicator {
    Ready,
    Busy,
    /// Steady: soon (paper low).
    Attention,
    /// Blinking: now (fault, paper out, a citizen called).
    AttentionBlinking,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Screen {
    #[default]
    Awake,
    Dimmed,
}

/// The outputs as the policy wants them now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Desired {
    pub ready: bool,
    pub busy: bool,
    pub attention: bool,
    pub backlight_percent: u8,
}

impl Desired {
    /// Every LED off, the screen fully lit: at start and at shutdown.
    pub const SAFE: Desired = Desired {
        ready: false,
        busy: false,
        attention: false,
        backlight_percent: 100,
    };

    /// (output name, level) for each LED.
    pub fn leds(&self) -> [(&'static str, bool); 3] {
        [
            (role::LED_READY, self.ready),
            (role::LED_BUSY, self.busy),
            (role::LED_ATTENTION, self.attention),
        ]
    }
}

/// What the app should hear about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PolicyReport {
    Screen(Screen),
    PaperLow(bool),
}

#[derive(Clone, Debug)]
pub struct GpioPolicy {
    settings: PolicySettings,
    screen: Screen,
    last_activity_ms: u64,
    activity_seen: u64,
    presence: bool,
    paper_low: bool,
    /// When the blinking began (the blink's phase starts there: the first half is on).
    blinking_since: Option<u64>,
}

impl GpioPolicy {
    pub fn new(settings: PolicySettings, now_ms: u64) -> GpioPolicy {
        GpioPolicy {
            settings,
            screen: Screen::Awake,
            last_activity_ms: now_ms,
            activity_seen: 0,
            presence: false,
            paper_low: false,
            blinking_since: None,
        }
    }

    pub fn screen(&self) -> Screen {
        self.screen
    }

    pub fn paper_low(&self) -> bool {
        self.paper_low
    }

    /// Starts from the inputs' levels as they were at start (no edge for them).
    pub fn seed(&mut self, presence: Option<bool>, paper_low: Option<bool>) -> Vec<PolicyReport> {
        self.presence = presence.unwrap_or(false);
        self.paper_low = paper_low.unwrap_or(false);
        if self.paper_low {
            vec![PolicyReport::PaperLow(true)]
        } else {
            Vec::new()
        }
    }

    /// A debounced input edge.
    pub fn on_edge(&mut self, edge: &Edge, now_ms: u64) -> Vec<PolicyReport> {
        let mut reports = Vec::new();
        match edge.name.as_str() {
            role::PRESENCE => {
                self.presence = edge.on;
                if edge.on {
                    self.last_activity_ms = now_ms;
                    self.wake(&mut reports);
                }
            }
            role::PAPER_LOW if edge.on != self.paper_low => {
                self.paper_low = edge.on;
                reports.push(PolicyReport::PaperLow(edge.on));
            }
            _ => {}
        }
        reports
    }

    fn wake(&mut self, reports: &mut Vec<PolicyReport>) {
        if self.screen != Screen::Awake {
            self.screen = Screen::Awake;
            reports.push(PolicyReport::Screen(Screen::Awake));
        }
    }

    pub fn indicator(&self, signals: &KioskSignals) -> Indicator {
        if signals.device_fault || signals.paper_out || signals.staff_called {
            Indicator::AttentionBlinking
        } else if self.paper_low {
            Indicator::Attention
        } else if signals.session_active {
            Indicator::Busy
        } else {
            Indicator::Ready
        }
    }

    /// The outputs now, and what changed for the app.
    pub fn step(&mut self, signals: &KioskSignals, now_ms: u64) -> (Desired, Vec<PolicyReport>) {
        let mut reports = Vec::new();
        if signals.activity != self.activity_seen {
            self.activity_seen = signals.activity;
            self.last_activity_ms = now_ms;
            self.wake(&mut reports);
        }
        if self.presence {
            self.last_activity_ms = now_ms;
        }
        let idle = now_ms.saturating_sub(self.last_activity_ms);
        if self.screen == Screen::Awake && idle >= self.settings.dim_after_ms && !signals.session_active {
            self.screen = Screen::Dimmed;
            reports.push(PolicyReport::Screen(Screen::Dimmed));
        }
        let indicator = self.indicator(signals);
        let blink_on = match indicator {
            Indicator::AttentionBlinking => {
                let since = *self.blinking_since.get_or_insert(now_ms);
                now_ms.saturating_sub(since) % BLINK_PERIOD_MS < BLINK_PERIOD_MS / 2
            }
            _ => {
                self.blinking_since = None;
                false
            }
        };
        let test = signals.led_test;
        let desired = Desired {
            ready: test.unwrap_or(indicator == Indicator::Ready),
            busy: test.unwrap_or(indicator == Indicator::Busy),
            attention: test.unwrap_or(indicator == Indicator::Attention || blink_on),
            backlight_percent: match self.screen {
                Screen::Awake => 100,
                Screen::Dimmed => self.settings.dim_percent,
            },
        };
        (desired, reports)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SETTINGS: PolicySettings = PolicySettings {
        dim_after_ms: 60_000,
        dim_percent: 20,
    };

    fn edge(name: &str, on: bool, at_ms: u64) -> Edge {
        Edge {
            name: name.into(),
            on,
            at_ms,
        }
    }

    #[test]
    fn one_led_shows_ready_busy_or_attention() {
        let mut policy = GpioPolicy::new(SETTINGS, 0);
        let idle = KioskSignals::default();
        let (ready, _) = policy.step(&idle, 10);
        assert_eq!((ready.ready, ready.busy, ready.attention), (true, false, false));
        let serving = KioskSignals {
            session_active: true,
            ..idle
        };
        let (busy, _) = policy.step(&serving, 20);
        assert_eq!((busy.ready, busy.busy, busy.attention), (false, true, false));
        assert_eq!(policy.indicator(&serving), Indicator::Busy);
    }

    #[test]
    fn attention_blinks_with_a_one_second_period_from_when_it_began() {
        for cause in [
            KioskSignals {
                device_fault: true,
                ..Default::default()
            },
            KioskSignals {
                paper_out: true,
                ..Default::default()
            },
            KioskSignals {
                staff_called: true,
                session_active: true,
                ..Default::default()
            },
        ] {
            let mut policy = GpioPolicy::new(SETTINGS, 0);
            let at = |policy: &mut GpioPolicy, t: u64| policy.step(&cause, t).0;
            let levels: Vec<bool> = [1000, 1499, 1500, 1999, 2000, 2600]
                .iter()
                .map(|&t| at(&mut policy, t).attention)
                .collect();
            assert_eq!(levels, [true, true, false, false, true, false], "{cause:?}");
            let d = at(&mut policy, 2700);
            assert!(!d.ready && !d.busy, "{cause:?}: attention replaces ready and busy");
            // Cleared: back to steady, and a new blink starts its phase anew.
            assert!(policy.step(&KioskSignals::default(), 2800).0.ready);
            assert!(at(&mut policy, 3250).attention);
        }
    }

    #[test]
    fn paper_low_is_reported_and_shows_steady_attention() {
        let mut policy = GpioPolicy::new(SETTINGS, 0);
        assert_eq!(
            policy.on_edge(&edge(role::PAPER_LOW, true, 5), 5),
            [PolicyReport::PaperLow(true)]
        );
        assert!(policy.paper_low());
        let steady: Vec<bool> = (0..8)
            .map(|i| policy.step(&KioskSignals::default(), 100 + i * 250).0.attention)
            .collect();
        assert_eq!(steady, [true; 8]);
        assert_eq!(policy.indicator(&KioskSignals::default()), Indicator::Attention);
        // Paper out on top of low: blinking wins.
        let out = KioskSignals {
            paper_out: true,
            ..Default::default()
        };
        assert_eq!(policy.indicator(&out), Indicator::AttentionBlinking);
        assert_eq!(
            policy.on_edge(&edge(role::PAPER_LOW, false, 9000), 9000),
            [PolicyReport::PaperLow(false)]
        );
        assert!(policy.step(&KioskSignals::default(), 9001).0.ready);
    }

    #[test]
    fn the_screen_dims_after_inactivity_and_presence_wakes_it() {
        let mut policy = GpioPolicy::new(SETTINGS, 0);
        let idle = KioskSignals::default();
        let (before, reports) = policy.step(&idle, 59_999);
        assert_eq!((before.backlight_percent, reports), (100, vec![]));
        let (dimmed, reports) = policy.step(&idle, 60_000);
        assert_eq!(reports, [PolicyReport::Screen(Screen::Dimmed)]);
        assert_eq!(dimmed.backlight_percent, 20);
        assert_eq!(policy.step(&idle, 61_000).1, [], "dims once");
        assert_eq!(
            policy.on_edge(&edge(role::PRESENCE, true, 70_000), 70_000),
            [PolicyReport::Screen(Screen::Awake)]
        );
        assert_eq!(policy.step(&idle, 70_001).0.backlight_percent, 100);
        // While someone stands there, it stays awake; after they leave it dims again.
        assert_eq!(policy.step(&idle, 200_000).1, []);
        policy.on_edge(&edge(role::PRESENCE, false, 200_000), 200_000);
        assert_eq!(policy.step(&idle, 259_999).1, []);
        assert_eq!(policy.step(&idle, 260_000).1, [PolicyReport::Screen(Screen::Dimmed)]);
    }

    #[test]
    fn a_touch_wakes_the_screen_and_a_session_keeps_it_awake() {
        let mut policy = GpioPolicy::new(SETTINGS, 0);
        policy.step(&KioskSignals::default(), 60_000);
        assert_eq!(policy.screen(), Screen::Dimmed);
        let touched = KioskSignals {
            activity: 1,
            session_active: true,
            ..Default::default()
        };
        assert_eq!(policy.step(&touched, 61_000).1, [PolicyReport::Screen(Screen::Awake)]);
        assert_eq!(policy.step(&touched, 500_000).1, [], "never dims during a session");
        for on in [true, false] {
            let test = KioskSignals {
                led_test: Some(on),
                ..touched
            };
            let (desired, _) = policy.step(&test, 500_100);
            assert_eq!(
                (desired.ready, desired.busy, desired.attention),
                (on, on, on),
                "LED test"
            );
        }
    }

    #[test]
    fn the_safe_state_is_all_leds_off_and_full_light() {
        assert!(Desired::SAFE.leds().iter().all(|(_, on)| !on));
        assert_eq!(Desired::SAFE.backlight_percent, 100);
    }
}
